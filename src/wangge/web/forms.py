"""Input of the event pages: one small form per workflow action, the report form, filters.

Forms only parse and check shapes (required, lengths, dates, choices, that a photo is an
image); the workflow decides whether an action may happen.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.errors import DomainError
from wangge.events.models import (
    BuiltinChannel,
    Category,
    Department,
    Priority,
    Satisfaction,
    Status,
)
from wangge.events.photos import CleanPhoto, clean_photo
from wangge.events.selectors import SORTS, TABS
from wangge.inputs import DayField, MomentField, TextField, TitleField
from wangge.intake.models import Channel
from wangge.stats.models import MEASURES


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
    comment = TextField(label=_("Comment"), required=False, max_length=2000)


class AcceptForm(CommentForm):
    """Acceptance, correcting the report on the way; a blank field is left as it is."""

    title = TitleField(label=_("Title"), required=False, max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(active=True),
        to_field_name="code",
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", ""), *Priority.choices]
    )
    address = TextField(label=_("Address"), required=False, max_length=300)


class ReasonForm(forms.Form):
    reason = TextField(label=_("Reason"), max_length=2000)


class MergeForm(CommentForm):
    into = TextField(label=_("Tracking code of the original event"), max_length=30)


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
    until = MomentField(label=_("New deadline"))
    reason = TextField(label=_("Reason"), max_length=2000)


YES_NO = [("1", _("yes")), ("0", _("no"))]


def _yes(value: str) -> bool:
    return value == "1"


class DecideExtensionForm(CommentForm):
    order = forms.IntegerField(label=_("Work order"))
    approve = forms.TypedChoiceField(label=_("Approve"), choices=YES_NO, coerce=_yes)


class FeedbackForm(forms.Form):
    note = TextField(label=_("What was done"), max_length=4000)
    photo = PhotoField(label=_("Photo after handling"))


class SettleForm(forms.Form):
    note = TextField(label=_("How it was settled"), max_length=2000)


class VerifyForm(CommentForm):
    passed = forms.TypedChoiceField(label=_("Passed"), choices=YES_NO, coerce=_yes)


class CallbackForm(CommentForm):
    satisfaction = forms.ChoiceField(label=_("Satisfaction"), choices=Satisfaction.choices)


class SuperviseForm(CommentForm):
    until = MomentField(label=_("Supervise until"))


# -- reporting ---------------------------------------------------------------------------
def report_categories() -> Any:
    return Category.objects.filter(active=True).select_related("parent")


class ReportForm(forms.Form):
    title = TitleField(label=_("Title"), max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=report_categories(), to_field_name="code"
    )
    description = TextField(label=_("Description"), required=False, max_length=4000)
    photo = PhotoField()
    address = TextField(label=_("Address"), required=False, max_length=300)
    settle = forms.BooleanField(required=False)  # 上报并自行处置
    settle_note = TextField(label=_("How it was settled"), required=False, max_length=2000)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    area = forms.ChoiceField(label=_("Micro-grid"), required=False)
    client_key = TextField(required=False, max_length=100)

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
    category = TextField(label=_("Category"), required=False, max_length=20)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", ""), *BuiltinChannel.choices]
    )
    q = TextField(label=pgettext_lazy("search", "Text"), required=False, max_length=100)
    date_from = DayField(label=_("Reported from"), required=False)
    date_to = DayField(label=_("Reported until"), required=False)
    sort = forms.ChoiceField(required=False, choices=[("", ""), *((s, s) for s in SORTS)])
    # Set by the dashboard's links (the cases behind a figure), not shown as fields.
    area = forms.CharField(required=False, max_length=40)
    department = forms.CharField(required=False, max_length=40)
    status = forms.ChoiceField(required=False, choices=[("", ""), *Status.choices])
    joint = forms.BooleanField(required=False)  # jointly dispatched (吹哨报到)
    settled = forms.IntegerField(required=False, min_value=1, max_value=9)  # closed at level
    # The cases a dashboard figure counts (a flag of the figures' facts: closed, open_red…).
    fact = forms.ChoiceField(required=False, choices=[("", ""), *((m, m) for m in MEASURES)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any channel events come by: the built-in ones, and those set up for intake (read
        # only when the filter names one).
        builtin = dict(BuiltinChannel.choices)
        asked = self.data.get("channel") or ""
        if asked and asked not in builtin:
            channel = self.fields["channel"]
            assert isinstance(channel, forms.ChoiceField)
            found = Channel.objects.filter(code=asked).values_list("code", "name")
            channel.choices = [("", ""), *builtin.items(), *found]
