"""Pages: the recipient's inbox (phone first), sending, the sender's receipt board."""

import uuid
from typing import Any

from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from wangge import form_fields
from wangge.accounts.models import Role
from wangge.errors import DomainError
from wangge.notices import activities as acts
from wangge.notices import forms, selectors, services
from wangge.notices.models import ActivityKind, Notice
from wangge.pages import scoped_page
from wangge.people.party import selectors as people_party_selectors

NOT_YET_PAGE = 200
# Party members offered on the activity form (more: the API takes any member in scope).
MEMBER_CHOICES = 500


def _stored(request: HttpRequest, url: str) -> HttpResponse:
    """The answer to a posted receipt: for the offline queue (fieldwork/drafts.js) a JSON
    answer it can trust, marked X-Stored; for the browser a redirect."""
    if request.headers.get("X-Offline-Form") == "1":
        response = JsonResponse({"stored": True, "url": url})
        response["X-Stored"] = "1"
        return response
    return HttpResponseRedirect(url)


def _key(request: HttpRequest) -> str:
    return str(request.POST.get("client_key", "") or request.headers.get("X-Client-Key", ""))


def _notice(pk: int) -> Notice:
    return get_object_or_404(Notice, pk=pk)


@scoped_page
def inbox(request: HttpRequest) -> HttpResponse:
    services.mark_delivered(request.user)
    page = Paginator(selectors.inbox(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notices/inbox.html", {"page": page, "page_key": uuid.uuid4().hex})


def _form_rows(
    notice: Notice, values: dict[str, Any], errors: dict[str, str]
) -> list[dict[str, Any]]:
    """A form notice's fields with the values to show (the stored or the refused answers)."""
    rows = []
    for f in notice.form:
        value = values.get(f["name"])
        text = value.strip().lower() if isinstance(value, str) else None
        rows.append(
            {
                **f,
                "value": value if isinstance(value, (str, int, float)) else "",
                "values": value if isinstance(value, list) else [],
                "yes": value is True or text in form_fields.YES,
                "no": value is False or text in form_fields.NO,
                "error": errors.get(f"answers.{f['name']}", ""),
            }
        )
    return rows


def _read_context(
    receipt: Any, errors: list[Any] | None = None, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    notice = receipt.notice
    by_field = {p.field: p.message for p in errors or []}
    return {
        "receipt": receipt,
        "notice": notice,
        "errors": errors,
        "client_key": f"n-{uuid.uuid4().hex}",
        "form_rows": _form_rows(notice, receipt.answers if values is None else values, by_field),
    }


@scoped_page
def read(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.receipt_for(request.user, pk)  # 404 off the list
    receipt = services.receipt_read(notice=_notice(pk), user=request.user)
    return render(request, "notices/read.html", _read_context(receipt))


def _receipt_post(request: HttpRequest, pk: int, write: Any) -> HttpResponse:
    selectors.receipt_for(request.user, pk)
    try:
        write(_notice(pk))
    except DomainError as exc:
        if request.headers.get("X-Offline-Form") == "1":
            return JsonResponse({"errors": [p.as_dict() for p in exc.problems]}, status=exc.status)
        receipt = selectors.receipt_for(request.user, pk)
        posted = (
            form_fields.posted(request.POST, receipt.notice.form)
            if receipt.notice.kind == Notice.Kind.FORM
            else None
        )
        return render(
            request,
            "notices/read.html",
            _read_context(receipt, exc.problems, posted),
            status=exc.status,
        )
    back = "notices:inbox" if request.POST.get("next") == "inbox" else None
    return _stored(request, reverse(back) if back else reverse("notices:read", args=[pk]))


@scoped_page
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _receipt_post(
        request,
        pk,
        lambda n: services.receipt_confirm(notice=n, user=request.user, client_key=_key(request)),
    )


@scoped_page
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _receipt_post(
        request,
        pk,
        lambda n: services.receipt_answer(
            notice=n,
            user=request.user,
            text=request.POST.get("text", ""),
            photo=forms.photo(request.FILES, "photo"),
            answers=form_fields.posted(request.POST, n.form)
            if n.kind == Notice.Kind.FORM
            else None,
            client_key=_key(request),
        ),
    )


def _send_context(**extra: Any) -> dict[str, Any]:
    return {
        "kinds": Notice.Kind.choices,
        "audiences": Notice.Audience.choices,
        "urgencies": Notice.Urgency.choices,
        "roles": Role.choices,
        **extra,
    }


@scoped_page
def send(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            notice = services.notice_send(
                sender=request.user,
                attachments=forms.photos(request.FILES, "attachments"),
                **forms.send_arguments(request.POST),
            )
        except DomainError as exc:
            return render(
                request,
                "notices/send.html",
                _send_context(errors=exc.problems, data=request.POST),
                status=exc.status,
            )
        if notice.audience == Notice.Audience.STAFF:
            return redirect("notices:board", notice.pk)
        return redirect("notices:sent")
    return render(request, "notices/send.html", _send_context(data={}))


def attachment(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    """A photo of a notice, for its recipients and its sender (`?size=thumb`: the thumbnail);
    a notice to residents shows its photos to anyone once it is sent. 404 otherwise."""
    found = selectors.attachment_for(request.user, pk, photo)
    return _image(found.thumbnail if _thumb(request) else found.file)


def _thumb(request: HttpRequest) -> bool:
    return request.GET.get("size") == "thumb"


def _image(stored: Any) -> FileResponse:
    """A stored JPEG (the photos here are all re-encoded by events.photos); 404 if missing."""
    try:
        return FileResponse(stored.open("rb"), content_type="image/jpeg")
    except (FileNotFoundError, ValueError):
        raise Http404 from None


@scoped_page
def answer_photo(request: HttpRequest, pk: int, user: int) -> FileResponse:
    """A recipient's photo answer, for that recipient, the sender and administrators."""
    receipt = selectors.answer_photo_for(request.user, pk, user)
    return _image(receipt.answer_thumbnail if _thumb(request) else receipt.answer_photo)


@scoped_page
def sent(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.sent_by(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notices/sent.html", {"page": page})


@scoped_page
def board(request: HttpRequest, pk: int) -> HttpResponse:
    notice, paths = selectors.notice_for_board(request.user, pk)
    under = selectors.board_area(paths, request.GET.get("area"))
    result = selectors.board(notice, paths, under)
    missing = Paginator(selectors.not_yet(notice, paths, under), NOT_YET_PAGE).get_page(
        request.GET.get("page")
    )
    for receipt in missing:
        receipt.area_code = selectors.area_code(receipt.path)  # type: ignore[attr-defined]
    answers = None
    if notice.kind in (Notice.Kind.ANSWER, Notice.Kind.PHOTO, Notice.Kind.FORM):
        answers = Paginator(selectors.answered(notice, paths, under), NOT_YET_PAGE).get_page(
            request.GET.get("answers")
        )
        for receipt in answers:
            receipt.area_code = selectors.area_code(receipt.path)  # type: ignore[attr-defined]
            receipt.items = selectors.answer_items(notice, receipt)  # type: ignore[attr-defined]
    return render(
        request,
        "notices/board.html",
        {
            "notice": notice,
            "board": result,
            "missing": missing,
            "answers": answers,
            "may_manage": paths is None,
            "versions": notice.versions.all() if paths is None else [],
        },
    )


@scoped_page
@require_POST
def recall(request: HttpRequest, pk: int) -> HttpResponse:
    notice, _paths = selectors.notice_for_board(request.user, pk)
    services.notice_recall(notice=notice, actor=request.user)
    return redirect("notices:board", pk)


@scoped_page
@require_POST
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice, _paths = selectors.notice_for_board(request.user, pk)
    services.notice_edit(
        notice=notice,
        actor=request.user,
        title=request.POST.get("title"),
        body=request.POST.get("body"),
        deadline=forms.moment(request.POST.get("deadline", ""), "deadline"),
    )
    return redirect("notices:board", pk)


@scoped_page
def activity_photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    """A photo of an activity in the user's scope (`?size=thumb`: the thumbnail)."""
    found = acts.activity_photo(request.user, pk, photo)
    return _image(found.thumbnail if _thumb(request) else found.file)


@scoped_page
def activity_list(request: HttpRequest) -> HttpResponse:
    errors = None
    if request.method == "POST":
        try:
            area = forms.areas_by_code([request.POST.get("area", "").strip()], "area")[0]
            acts.activity_record(
                actor=request.user,
                kind_code=request.POST.get("kind", ""),
                title=request.POST.get("title", ""),
                held_on=forms.day(request.POST.get("held_on", ""), "held_on"),
                area=area,
                place=request.POST.get("place", ""),
                participants=forms.count(request.POST.get("participants", "0"), "participants"),
                people_reached=forms.count(
                    request.POST.get("people_reached", "0"), "people_reached"
                ),
                note=request.POST.get("note", ""),
                party_member_ids=forms.ids(request.POST.getlist("party_members"), "party_members"),
                photos=forms.photos(request.FILES, "photos"),
            )
            return redirect("notices:activities")
        except DomainError as exc:
            errors = exc.problems
    page = Paginator(acts.activities(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/activities.html",
        {
            "page": page,
            "kinds": ActivityKind.objects.filter(active=True),
            "members": people_party_selectors.party_members(request.user).filter(
                left_on__isnull=True
            )[:MEMBER_CHOICES],
            "chosen": request.POST.getlist("party_members"),
            "errors": errors,
            "data": request.POST,
        },
        status=422 if errors else 200,
    )
