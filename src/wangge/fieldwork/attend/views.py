"""Pages of must-attend (五必到): the grid worker's task list and the attendance form. Thin:
every rule is in `attend.services`."""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.errors import DomainError
from wangge.fieldwork import offline
from wangge.fieldwork.attend import selectors
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.attend.models import AttendTask
from wangge.pages import optional_number, scoped_page


@scoped_page
def attend_mine(request: HttpRequest) -> HttpResponse:
    qs = selectors.task_search(request.user, mine=True, status=AttendTask.Status.OPEN)
    return render(
        request,
        "fieldwork/attend/mine.html",
        {"tasks": list(qs.select_related("event__category")[:200]), "now": timezone.now()},
    )


@scoped_page
@require_http_methods(["GET", "POST"])
def attend_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    error = None
    if request.method == "POST":
        try:
            record = attend.attend_record(
                actor=request.user,
                task=task,
                note=request.POST.get("note", ""),
                lon=optional_number(request.POST.get("lon"), "lon"),
                lat=optional_number(request.POST.get("lat"), "lat"),
                client_key=request.POST.get("client_key") or None,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Attendance recorded on the event's timeline."))
            if record.far:
                messages.warning(
                    request,
                    _("Checked in %(m)d m from the event: the attendance is flagged.")
                    % {"m": record.distance_m or 0},
                )
            return offline.stored(request, reverse("fieldwork:attend_task", args=[task.pk]))
    posted: Any = request.POST if error else {}
    return render(
        request,
        "fieldwork/attend/task.html",
        {
            "task": task,
            "event": task.event,
            "records": list(task.records.select_related("attendee")),
            "error": error,
            "posted": posted,
            "client_key": posted.get("client_key") or uuid.uuid4().hex,
            "now": timezone.now(),
        },
        status=error.status if error else 200,
    )
