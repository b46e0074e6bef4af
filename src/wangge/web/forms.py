"""Input of the event pages: one small form per workflow action, the report form, filters.

Forms only parse and check shapes (required, lengths, dates, choices, that a photo is an
image); the workflow decides whether an action may happen.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wangge.errors import DomainError
from wangge.events.models import BuiltinChannel, Category, Department, Satisfaction, Status
from wangge.events.photos import CleanPhoto, clean_photo
from wangge.events.selectors import TABS


class PhotoField(forms.FileField):
    """An optional photo, checked by its content and re-encoded without its metadata
    (events.photos.clean_photo); cleans to a CleanPhoto or None."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photo"))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> CleanPhoto | None:
        upload = super().clean(data, initial)
        if not upload:
            return None
        try:
            return clean_photo(upload)
        except DomainError as error:
            raise ValidationError([p.message for p in error.problems]) from None


# -- workflow actions --------------------------------------------------------------------
class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class MergeForm(CommentForm):
    into = forms.CharField(label=_("Tracking code of the original event"), max_length=30)


def active_departments() -> Any:
    return Department.objects.filter(active=True)


class DispatchForm(CommentForm):
    lead = forms.ModelChoiceField(
        label=_("Lead department"), queryset=active_departments(), to_field_name="code"
    )
    assists = forms.ModelMultipleChoiceField(
        label=_("Assisting departments"),
        queryset=active_departments(),
        to_field_name="code",
        required=False,
    )


class ExtensionForm(forms.Form):
    until = forms.DateTimeField(label=_("New deadline"))
    reason = forms.CharField(label=_("Reason"), max_length=2000)


YES_NO = [("1", _("yes")), ("0", _("no"))]


def _yes(value: str) -> bool:
    return value == "1"


class DecideExtensionForm(CommentForm):
    order = forms.IntegerField(label=_("Work order"))
    approve = forms.TypedChoiceField(label=_("Approve"), choices=YES_NO, coerce=_yes)


class FeedbackForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=4000)
    photo = PhotoField(label=_("Photo after handling"))


class VerifyForm(CommentForm):
    passed = forms.TypedChoiceField(label=_("Passed"), choices=YES_NO, coerce=_yes)


class CallbackForm(CommentForm):
    satisfaction = forms.ChoiceField(label=_("Satisfaction"), choices=Satisfaction.choices)


class SuperviseForm(CommentForm):
    until = forms.DateTimeField(label=_("Supervise until"))


# -- reporting ---------------------------------------------------------------------------
def report_categories() -> Any:
    return Category.objects.filter(active=True).select_related("parent")


class ReportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=report_categories(), to_field_name="code"
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=4000)
    photo = PhotoField()
    lon = forms.FloatField(required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    area = forms.ChoiceField(label=_("Micro-grid"), required=False)
    client_key = forms.CharField(required=False, max_length=100)

    def __init__(self, *args: Any, area_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", ""), *((c, c) for c in area_codes)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lon") is None) != (data.get("lat") is None):
            data["lon"] = data["lat"] = None  # half a location is none
        return data


# -- lists -------------------------------------------------------------------------------
class EventFilterForm(forms.Form):
    tab = forms.ChoiceField(required=False, choices=[(t, t) for t in TABS])
    category = forms.CharField(label=_("Category"), required=False, max_length=20)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", ""), *BuiltinChannel.choices]
    )
    q = forms.CharField(label=_("Text"), required=False, max_length=100)
    date_from = forms.DateField(label=_("Reported from"), required=False)
    date_to = forms.DateField(label=_("Reported until"), required=False)
    # Set by the dashboard's links (the cases behind a figure), not shown as fields.
    area = forms.CharField(required=False, max_length=40)
    department = forms.CharField(required=False, max_length=40)
    status = forms.ChoiceField(required=False, choices=[("", ""), *Status.choices])
