"""Typed forms (a campaign's form, a visit rule's checklist, a notice's answer form): checking
a definition, and checking answers against it. Outside the apps so that fieldwork and notices,
siblings that do not import each other, share one definition of a form field.

A field is ``{"name": "phone_ok", "label": "电话已核实", "type": "yes_no", "required": true}``;
`choice` and `multi_choice` carry ``"choices": [...]``; `number` may carry ``"min"``/``"max"``.
Every refusal names the field (its label and, in `Problem.field`, where it is: ``fields[2].name``
or ``checklist[2].name`` for a definition, ``count`` or ``answers.count`` for an answer) and the
reason. Photos and signatures are checked here as images (never stored here): `campaigns` stores
them; a form may be limited to other types (`VALUE_TYPES`, visit checklists).
"""

import base64
import binascii
import datetime as dt
import io
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from PIL import Image, UnidentifiedImageError

from wangge.errors import DomainError, Problem
from wangge.events import photos
from wangge.inputs import date_problem, text_problem

TEXT, NUMBER, CHOICE, MULTI, DATE, YES_NO, PHOTO, SIGNATURE = (
    "text",
    "number",
    "choice",
    "multi_choice",
    "date",
    "yes_no",
    "photo",
    "signature",
)
TYPES = (TEXT, NUMBER, CHOICE, MULTI, DATE, YES_NO, PHOTO, SIGNATURE)
FILE_TYPES = (PHOTO, SIGNATURE)
VALUE_TYPES = tuple(t for t in TYPES if t not in FILE_TYPES)
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")
MAX_FIELDS = 100
MAX_TEXT = 2000
MAX_SIGNATURE_BYTES = 2 * 1024 * 1024
MAX_SIGNATURE_SIDE = 4000
YES = {"true", "yes", "y", "1", "on", "是"}
NO = {"false", "no", "n", "0", "off", "否"}


def type_names() -> dict[str, str]:
    return {
        TEXT: pgettext("field type", "text"),
        NUMBER: _("number"),
        CHOICE: _("choice"),
        MULTI: _("multiple choice"),
        DATE: _("date"),
        YES_NO: _("yes/no"),
        PHOTO: _("photo"),
        SIGNATURE: _("signature"),
    }


# ---- definition -----------------------------------------------------------------------------


def clean_fields(  # noqa: C901
    raw: Any, *, at: str = "fields", types: tuple[str, ...] = TYPES, min_fields: int = 1
) -> list[dict[str, Any]]:
    """The form definition, normalised; DomainError listing every problem, each naming the
    field (``<at>[2].choices``) and, in the message, its label. `types`: the field types this
    kind of form takes; `min_fields`: 0 lets the form be empty."""
    if not isinstance(raw, list):
        raise DomainError.one(_("The form must be a list of fields."), field=at)
    if len(raw) < min_fields:
        raise DomainError.one(_("A form needs at least one field."), field=at)
    if len(raw) > MAX_FIELDS:
        raise DomainError.one(_("A form has at most %(n)d fields.") % {"n": MAX_FIELDS}, field=at)
    problems: list[Problem] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"{at}[{i}]"

        def bad(attr: str, message: str, where: str = where) -> None:
            problems.append(Problem(message, field=f"{where}.{attr}" if attr else where))

        if not isinstance(item, dict):
            bad("", _("Field %(n)d is not an object.") % {"n": i + 1})
            continue
        name = str(item.get("name", "")).strip()
        label = str(item.get("label", "")).strip() or name
        who = f"«{label or i + 1}»"
        if not NAME_RE.match(name):
            bad(
                "name",
                _("Field %(field)s: the name is letters, digits or _, starting with a letter.")
                % {"field": who},
            )
        elif name in seen:
            bad(
                "name",
                _("Field %(field)s: the name %(name)s is used twice.")
                % {"field": who, "name": name},
            )
        seen.add(name)
        if not label:
            bad("label", _("Field %(field)s needs a label.") % {"field": who})
        kind = str(item.get("type", "")).strip()
        if kind in TYPES and kind not in types:
            bad(
                "type",
                _("Field %(field)s: the type %(type)s is not available here (one of %(types)s).")
                % {"field": who, "type": kind, "types": ", ".join(types)},
            )
        elif kind not in types:
            bad(
                "type",
                _("Field %(field)s: unknown type %(type)s (one of %(types)s).")
                % {"field": who, "type": kind or "?", "types": ", ".join(types)},
            )
        required = item.get("required", False)
        if not isinstance(required, bool):
            bad("required", _("Field %(field)s: required must be true or false.") % {"field": who})
            required = False
        field: dict[str, Any] = {"name": name, "label": label, "type": kind, "required": required}
        if help_text := str(item.get("help", "")).strip():
            field["help"] = help_text
        choices = item.get("choices")
        if kind in (CHOICE, MULTI):
            if not isinstance(choices, list) or len(choices) < 1:
                bad(
                    "choices",
                    _("Field %(field)s: a choice needs a list of choices.") % {"field": who},
                )
            else:
                values = [str(c).strip() for c in choices]
                if any(not v for v in values):
                    bad("choices", _("Field %(field)s: a choice is empty.") % {"field": who})
                elif len(set(values)) != len(values):
                    bad("choices", _("Field %(field)s: a choice is listed twice.") % {"field": who})
                field["choices"] = values
        elif choices not in (None, []):
            bad("choices", _("Field %(field)s: only choice fields have choices.") % {"field": who})
        if kind == NUMBER:
            for bound in ("min", "max"):
                if item.get(bound) is None:
                    continue
                try:
                    number = float(item[bound])
                except (TypeError, ValueError, OverflowError):
                    number = math.nan
                # NaN and infinities are no bounds (PostgreSQL's jsonb refuses NaN too).
                if math.isfinite(number):
                    field[bound] = number
                else:
                    bad(
                        bound,
                        _("Field %(field)s: %(bound)s must be a number.")
                        % {"field": who, "bound": bound},
                    )
            if "min" in field and "max" in field and field["min"] > field["max"]:
                bad("max", _("Field %(field)s: max is below min.") % {"field": who})
        cleaned.append(field)
    if problems:
        raise DomainError(problems)
    return cleaned


# ---- answers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingImage:
    """A checked image waiting to be stored once every answer is valid."""

    field: str
    kind: str  # "photo" | "signature"
    content: bytes
    extension: str
    width: int
    height: int


def _blank(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, str) and not value.strip())
    )


def clean_answers(
    fields: list[dict[str, Any]],
    raw: Any,
    *,
    existing_file_ids: Collection[int] = (),
    at: str = "",
) -> tuple[dict[str, Any], list[PendingImage]]:
    """Answers checked against the form: (cleaned answers, images to store). A photo or
    signature answer is the id of a file already stored for this target (in
    `existing_file_ids`), or new content: bytes / an uploaded file (photo), a PNG data URL or
    bytes (signature). Raises DomainError (422) with one problem per bad field, each at
    ``<at>.<name>`` (just ``<name>`` without `at`)."""
    if not isinstance(raw, dict):
        raise DomainError.one(_("The answers must be an object."), field=at, status=422)

    def where(name: Any) -> str:
        return f"{at}.{name}" if at else str(name)

    by_name = {f["name"]: f for f in fields}
    problems: list[Problem] = [
        Problem(_("Unknown field %(name)s.") % {"name": k}, field=where(k), code="unknown")
        for k in raw
        if k not in by_name
    ]
    answers: dict[str, Any] = {}
    pending: list[PendingImage] = []
    for field in fields:
        name, label = field["name"], field["label"]
        value = raw.get(name)
        if _blank(value):
            if field.get("required"):
                problems.append(
                    Problem(
                        _("«%(label)s» is required.") % {"label": label},
                        field=where(name),
                        code="required",
                    )
                )
            continue
        try:
            cleaned = _clean_value(field, value, existing_file_ids)
        except ValueError as exc:
            problems.append(Problem(f"«{label}»: {exc}", field=where(name), code="invalid"))
            continue
        except DomainError as exc:
            problems += [
                Problem(f"«{label}»: {p.message}", field=where(name), code=p.code)
                for p in exc.problems
            ]
            continue
        if isinstance(cleaned, PendingImage):
            pending.append(cleaned)
        else:
            answers[name] = cleaned
    if problems:
        raise DomainError(problems, status=422)
    return answers, pending


def _clean_value(field: dict[str, Any], value: Any, file_ids: Collection[int]) -> Any:  # noqa: C901
    kind = field["type"]
    if kind == TEXT:
        if not isinstance(value, (str, int, float)):
            raise ValueError(_("expected text."))
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise ValueError(_("at most %(n)d characters.") % {"n": MAX_TEXT})
        if problem := text_problem(text):
            raise ValueError(problem)
        return text
    if kind == NUMBER:
        return _number(field, value)
    if kind == CHOICE:
        text = str(value).strip()
        if text not in field["choices"]:
            raise ValueError(
                _("%(value)s is not one of the choices (%(choices)s).")
                % {"value": text, "choices": "、".join(field["choices"])}
            )
        return text
    if kind == MULTI:
        values = value if isinstance(value, list) else [value]
        chosen = []
        for v in values:
            text = str(v).strip()
            if text not in field["choices"]:
                raise ValueError(
                    _("%(value)s is not one of the choices (%(choices)s).")
                    % {"value": text, "choices": "、".join(field["choices"])}
                )
            if text not in chosen:
                chosen.append(text)
        return [c for c in field["choices"] if c in chosen]  # in the form's order
    if kind == DATE:
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(_("not a date (YYYY-MM-DD).")) from None
        if problem := date_problem(day):
            raise ValueError(problem)
        return day.isoformat()
    if kind == YES_NO:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(_("answer yes or no."))
    if kind in FILE_TYPES:
        return _file(field, value, file_ids)
    raise ValueError(_("unknown field type."))


def _number(field: dict[str, Any], value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError(_("not a number."))
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        raise ValueError(_("not a number.")) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(_("not a number."))
    if "min" in field and number < field["min"]:
        raise ValueError(_("at least %(n)s.") % {"n": _plain(field["min"])})
    if "max" in field and number > field["max"]:
        raise ValueError(_("at most %(n)s.") % {"n": _plain(field["max"])})
    return _plain(number)


def _plain(number: float) -> int | float:
    return int(number) if number.is_integer() else number


def _file(field: dict[str, Any], value: Any, file_ids: Collection[int]) -> Any:
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        file_id = int(value)
        if file_id not in file_ids:
            raise ValueError(_("no such file for this target."))
        return file_id
    if field["type"] == PHOTO:
        if isinstance(value, str):
            raise ValueError(_("expected a photo file."))
        photo = photos.clean_photo(value, field=field["name"])
        return PendingImage(field["name"], PHOTO, photo.jpeg, "jpg", photo.width, photo.height)
    return clean_signature(value, field=field["name"])


def clean_signature(value: str | bytes | IO[bytes], field: str = "signature") -> PendingImage:
    """A signature drawn on the phone: a PNG (data URL, bytes or file), decoded and checked to
    be a real image with ink on it, re-encoded without metadata."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*data:image/png;base64,([A-Za-z0-9+/=\s]+)", value)
        if not match:
            raise ValueError(_("expected a PNG image (data URL)."))
        try:
            data = base64.b64decode(match.group(1), validate=False)
        except (binascii.Error, ValueError):
            raise ValueError(_("the image data is damaged.")) from None
    elif isinstance(value, bytes):
        data = value
    else:
        if hasattr(value, "seek"):
            value.seek(0)
        data = value.read(MAX_SIGNATURE_BYTES + 1)
    if not data:
        raise ValueError(_("the signature is empty."))
    if len(data) > MAX_SIGNATURE_BYTES:
        raise ValueError(_("the signature image is too large."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != "PNG":
                raise ValueError(_("the signature must be a PNG image."))
            if max(probe.size) > MAX_SIGNATURE_SIDE or min(probe.size) < 20:
                raise ValueError(_("the signature image has an unusable size."))
            probe.load()
            image = probe.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValueError(_("the signature is not an image.")) from None
    # Ink: anything not (nearly) white or transparent, once laid on white paper.
    paper = Image.new("RGBA", image.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(paper, image).convert("L")
    darkest = flat.getextrema()[0]
    if not isinstance(darkest, (int, float)) or darkest > 200:
        raise ValueError(_("the signature is empty: please sign."))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)  # re-encoded: no text chunks or metadata kept
    return PendingImage(field, SIGNATURE, out.getvalue(), "png", image.width, image.height)


def display(value: Any) -> str:
    """A cleaned answer as a person reads it (pages, exports): only yes/no answers are
    booleans and only multiple choices are lists."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def posted(data: Any, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The values of a posted HTML form (a QueryDict) by field name, as `clean_answers` takes
    them, for forms of value types (a multiple choice is the list of its ticked boxes)."""
    answers: dict[str, Any] = {}
    for f in fields:
        name = f["name"]
        if f["type"] == MULTI:
            answers[name] = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        else:
            answers[name] = data.get(name, "")
    return answers
