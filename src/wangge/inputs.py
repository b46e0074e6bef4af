"""Input types shared by every edge (API schemas, forms, imports): text, dates and numbers
are checked once, where they come in, so nothing past the edge meets a value the database or
the code cannot take (issue 13: no 500 for any input).

What is refused, and why:
- text: NUL (PostgreSQL refuses it), lone surrogates (cannot be encoded: hashing, the
  database and the log fail), control characters other than tab and line breaks, and the
  invisible direction controls U+202A–U+202E / U+2066–U+2069 (they make a title read as
  something else). A required line of text (a title, a name) must hold a visible character.
- dates and datetimes: outside DATE_MIN … DATE_MAX (year 1900 to 2199): "9999-12-31" parses
  but overflows the first time a deadline is added to it; "0000-01-01" is no date at all.
- integers: outside a signed 32-bit range (ids, pages, counts, offsets: PostgreSQL's
  integer and bigint columns overflow with a database error, not a 422).

Use: in ninja schemas, inherit `Input` (checks every text, date and integer field, and with
`fits = Model` the lengths and NULLs of the model's columns) and annotate query and path
parameters with `Int`, `Day`, `Moment`, `Page`, `PageSize`, `Offset`; `Line`/`Title` for text
fields. In Django forms, `TextField`/`TitleField`/`DayField`. Elsewhere (imports, the CLI),
`text_problem`, `date_problem` and `check_text` return or raise the same reasons.
"""

import datetime as dt
import unicodedata
from typing import Annotated, Any, ClassVar

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from wangge.errors import DomainError, Problem

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LINE_BREAKS = "\t\n\r"
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# -- plain checks (any caller) ---------------------------------------------------------------
def text_problem(value: str) -> str | None:
    """Why this text cannot be taken, or None."""
    for ch in value:
        code = ord(ch)
        if code == 0:
            return _("contains a NUL character")
        if 0xD800 <= code <= 0xDFFF:
            return _("contains an invalid character (a lone surrogate)")
        if ch in DIRECTION_CONTROLS:
            return _("contains an invisible direction control (U+%04X)") % code
        if (code < 0x20 or 0x7F <= code <= 0x9F) and ch not in LINE_BREAKS:
            return _("contains a control character (U+%04X)") % code
    return None


def has_visible(value: str) -> bool:
    """Does the text hold something a reader sees (not only spaces and format characters)?"""
    return any(unicodedata.category(ch)[0] in "LNPS" for ch in value)


def date_problem(value: dt.date | dt.datetime) -> str | None:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        return _("must be between %(min)s and %(max)s") % {"min": DATE_MIN, "max": DATE_MAX}
    return None


def int_problem(value: int) -> str | None:
    if not INT_MIN <= value <= INT_MAX:
        return _("is out of range")
    return None


def check_text(value: str, *, field: str = "", required: bool = False, item: str = "") -> str:
    """The text stripped, or DomainError (422) naming the field (and item, e.g. a row)."""
    problem = text_problem(value)
    if problem is None and required and not has_visible(value):
        problem = _("must contain visible characters")
    if problem is not None:
        raise DomainError([Problem(problem, field=field, code="invalid_text", item=item)], 422)
    return value.strip()


def find_problem(data: Any, path: str = "") -> tuple[str, str] | None:
    """The first (path, reason) of a bad text anywhere in parsed JSON (keys included)."""
    if isinstance(data, str):
        problem = text_problem(data)
        return (path, problem) if problem else None
    if isinstance(data, dict):
        for key, value in data.items():
            sub = f"{path}.{key}" if path else str(key)
            found = find_problem(str(key), sub) or find_problem(value, sub)
            if found:
                return found
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found = find_problem(value, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


def model_problems(model: type[models.Model], values: dict[str, Any]) -> list[Problem]:
    """Lengths over a column's max_length and NULLs for NOT NULL columns, for the values
    given (a PATCH names only some fields)."""
    problems = []
    for name, value in values.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if value is None and not field.null and isinstance(field, models.Field):
            problems.append(Problem(_("may not be null"), field=name, code="null"))
        elif isinstance(value, str) and len(value) > (
            getattr(field, "max_length", 0) or len(value)
        ):
            limit = {"n": field.max_length}  # type: ignore[union-attr]
            problems.append(
                Problem(_("at most %(n)d characters") % limit, field=name, code="too_long")
            )
    return problems


# -- pydantic (ninja schemas and parameters) -------------------------------------------------
def _err(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


def _text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise _err("invalid_text", problem)
    return value


def _title(value: str) -> str:
    _text(value)
    if not has_visible(value):
        raise _err("invalid_text", _("must contain visible characters"))
    return value.strip()


def _day(value: Any) -> Any:
    if isinstance(value, dt.date) and (problem := date_problem(value)):
        raise _err("date_out_of_range", problem)
    return value


def _int(value: Any) -> Any:
    if isinstance(value, int) and (problem := int_problem(value)):
        raise _err("int_out_of_range", problem)
    return value


Line = Annotated[str, AfterValidator(_text)]  # any text, checked
Title = Annotated[str, AfterValidator(_title), Field(min_length=1)]  # visible text, stripped
Day = Annotated[dt.date, AfterValidator(_day)]
Moment = Annotated[dt.datetime, AfterValidator(_day)]
Int = Annotated[int, Field(ge=INT_MIN, le=INT_MAX)]
Id = Annotated[int, Field(ge=1, le=INT_MAX)]
Page = Annotated[int, Field(ge=1, le=1_000_000)]
PageSize = Annotated[int, Field(ge=1, le=1000)]
Offset = Annotated[int, Field(ge=0, le=INT_MAX)]
Year = Annotated[int, Field(ge=DATE_MIN.year, le=DATE_MAX.year)]  # a calendar year we keep


class Input(Schema):
    """Base of every input schema: each text, date and integer field (and list items) is
    checked as above; with `fits = Model`, lengths and NULLs too, for the fields sent."""

    model_config = ConfigDict(allow_inf_nan=False)  # json.loads reads NaN and Infinity
    fits: ClassVar[type[models.Model] | None] = None

    @field_validator("*", mode="after")
    @classmethod
    def _checked(cls, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple | set) else (value,):
            if isinstance(item, str):
                _text(item)
            elif isinstance(item, dt.date):
                _day(item)
            elif isinstance(item, int) and not isinstance(item, bool):
                _int(item)
        return value

    @model_validator(mode="after")
    def _fits(self) -> "Input":
        if self.fits is not None:
            sent = {name: getattr(self, name) for name in self.model_fields_set}
            problems = model_problems(self.fits, sent)
            if problems:
                raise DomainError(problems, 422)
        return self


# -- Django forms ------------------------------------------------------------------------------
def validate_text(value: str) -> None:
    problem = text_problem(value or "")
    if problem:
        raise DjangoValidationError(problem, code="invalid_text")


def validate_title(value: str) -> None:
    validate_text(value)
    if value and not has_visible(value):
        raise DjangoValidationError(_("must contain visible characters"), code="invalid_text")


def validate_day(value: dt.date | dt.datetime | None) -> None:
    if value is not None and (problem := date_problem(value)):
        raise DjangoValidationError(problem, code="date_out_of_range")


class TextField(forms.CharField):
    default_validators = [validate_text]


class TitleField(forms.CharField):
    default_validators = [validate_title]


class DayField(forms.DateField):
    default_validators = [validate_day]


class MomentField(forms.DateTimeField):
    default_validators = [validate_day]
