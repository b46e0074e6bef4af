"""ID numbers (GB 11643-1999) and phone numbers: validation, normalisation, masking."""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")


class InvalidValue(ValueError):
    """The value is wrong; the message says why, in the user's language."""


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class IdNumber:
    number: str  # 18 characters, upper-case X
    birth_date: dt.date
    sex: str  # "M" | "F"


def parse_id_number(raw: str, today: dt.date | None = None) -> IdNumber:
    """Validate a mainland resident ID number; a 15-digit legacy number is converted to 18."""
    text = re.sub(r"\s+", "", str(raw)).upper()
    if _ID15.match(text):
        # 15 digits: 6 region + yyMMdd (19yy) + 3 sequence; no check digit.
        body = text[:6] + "19" + text[6:]
        text = body + check_digit(body)
    elif not _ID18.match(text):
        raise InvalidValue(_("An ID number has 18 characters (17 digits and a digit or X)."))
    elif check_digit(text[:17]) != text[17]:
        raise InvalidValue(_("The check digit of this ID number is wrong."))
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError as exc:
        raise InvalidValue(_("The birth date in this ID number does not exist.")) from exc
    today = today or timezone.localdate()
    if birth > today or birth.year < 1880:
        raise InvalidValue(_("The birth date in this ID number is not plausible."))
    if text[:2] in ("00", "10", "20", "30", "40", "60", "70", "80", "90"):
        raise InvalidValue(_("The region code of this ID number does not exist."))
    return IdNumber(text, birth, "M" if int(text[16]) % 2 else "F")


def normalise_document(raw: str) -> str:
    """Other documents (passport …): upper-case letters and digits, nothing else."""
    text = re.sub(r"[\s\-]+", "", str(raw)).upper()
    if not re.fullmatch(r"[A-Z0-9]{5,30}", text):
        raise InvalidValue(_("A document number has 5 to 30 letters or digits."))
    return text


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def parse_phone(raw: str) -> str:
    """A mainland mobile (11 digits, 1[3-9]…) or landline (area code 0xx(x) + 7–8 digits).

    Separators and a +86/0086 prefix are dropped; a landline keeps its area code, and an
    extension is written after "-".
    """
    text = str(raw).strip()
    text = re.sub(r"^(\+86|0086)", "", text.replace(" ", ""))
    ext = ""
    if m := re.match(r"^(.*?)(?:转|ext\.?|#)(\d{1,6})$", text, re.I):
        text, ext = m.group(1), m.group(2)
    digits = re.sub(r"[\s\-()（）]", "", text)
    if _MOBILE.match(digits):
        return digits
    if _LANDLINE.match(digits):
        return digits + (f"-{ext}" if ext else "")
    raise InvalidValue(
        _("A phone number is a mobile number (11 digits) or a landline with its area code.")
    )


def mask_id(number: str) -> str:
    """330103********1234: region kept, birth date and sequence hidden."""
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 4, 1) + number[-2:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    """138****5678; a landline keeps its area code and last 4 digits."""
    main = phone.split("-", 1)[0]
    if _MOBILE.match(main):
        return main[:3] + "****" + main[-4:]
    area = 3 if main[1] in "12" else 4
    return main[:area] + "*" * (len(main) - area - 4) + main[-4:]


# An ID number (18 with a check character, or the old 15), a mobile (optionally +86), or a
# landline with its area code, standing alone (not inside a longer code or number).
_NUMBER_IN_TEXT = re.compile(
    r"(?<![\w-])(?P<id>\d{17}[\dXx]|\d{15})(?![\w-])"
    r"|(?<![\w-])(?:\+?86[- ]?)?(?P<mobile>1[3-9]\d{9})(?![\w-])"
    r"|(?<![\w-])(?P<landline>0\d{2,3}-?\d{7,8})(?![\w-])"
)


def mask_numbers(text: str) -> str:
    """Free text (a description, a timeline note) with its ID numbers and phones masked."""

    def one(m: re.Match[str]) -> str:
        if m["id"]:
            return mask_id(m["id"])
        if m["mobile"]:
            return mask_phone(m["mobile"])
        return mask_phone(m["landline"].replace("-", ""))

    return _NUMBER_IN_TEXT.sub(one, text) if text else text
