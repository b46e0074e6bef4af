"""`{{ text|mask_numbers:may_reveal }}`: free text with its ID numbers and phones masked unless
the viewer may reveal them (descriptions and notes carry what callers said)."""

from typing import Any

from django import template

from wangge.people.identity import mask_numbers as _mask

register = template.Library()


@register.filter
def mask_numbers(text: Any, may_reveal: bool = False) -> Any:
    if may_reveal or not isinstance(text, str):
        return text
    return _mask(text)
