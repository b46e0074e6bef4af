"""People pages (人口): search, building → house → household drill-down, the household page
(一户一档), reveal with a reason, tag management, the places map and the audit viewer.

Thin: reads go through `selectors` (scoped: anything outside the user's posts is 404), writes
through `services` (which audit). Plaintext ID numbers and phones only ever appear in the
response to a reveal, never in a page that can be reloaded or cached.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wangge.accounts import audit
from wangge.accounts.actors import Actor
from wangge.accounts.audit import client_ip
from wangge.errors import DomainError
from wangge.pages import scoped_page
from wangge.people import access, scoping
from wangge.people.models import Relation, ResidenceType, ResidentStatus, TagKind
from wangge.people.residents import selectors, services

PAGE_SIZE = 50


def _visible_kinds(user: Actor) -> list[TagKind]:
    return list(TagKind.objects.filter(pk__in=access.visible_kind_ids(user)))


@scoped_page
def search(request: HttpRequest) -> HttpResponse:
    """Searched by POST, so whole ID numbers and phones never land in URLs, history or access
    logs; the criteria are echoed back masked."""
    data = request.POST if request.method == "POST" else request.GET
    fields = ("q", "id_number", "phone", "address", "tag")
    criteria = {f: data.get(f, "").strip() for f in fields}
    # An area code (the area page's population links here): its subtree's residents.
    area = data.get("area", "").strip()
    number = int(data.get("page", "1")) if data.get("page", "").isdigit() else 1
    rows: list[Any] = []
    has_next, errors = False, []
    if any(criteria.values()) or area:
        try:
            qs = selectors.resident_search(
                request.user,
                q=criteria["q"],
                id_number=criteria["id_number"],
                phone=criteria["phone"],
                address=criteria["address"],
                tag=criteria["tag"],
                area_code=area,
            )
            rows, has_next = scoping.page(
                selectors.for_listing(qs, request.user), number, PAGE_SIZE
            )
            services.audit_number_search(
                actor=request.user,
                rows=rows,
                q=criteria["q"],
                id_number=criteria["id_number"],
                phone=criteria["phone"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            errors = [p.message for p in exc.problems]
    template = "people/_results.html" if request.headers.get("HX-Request") else "people/search.html"
    return render(
        request,
        template,
        {
            "criteria": {
                **{f: selectors.masked_echo(v) for f, v in criteria.items()},
                "area": area,
            },
            "searched": any(criteria.values()) or bool(area),
            "rows": rows,
            "page": number,
            "has_next": has_next,
            "errors": errors,
            "kinds": _visible_kinds(request.user),
        },
    )


@scoped_page
def household(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.household_record(request.user, pk)
    record["kinds"] = kinds = _visible_kinds(request.user)
    # One input per distinct field name across the kinds; the chosen kind's are read.
    record["tag_fields"] = list({f["name"]: f for k in kinds for f in k.fields}.values())
    record["can_reveal"] = access.can_reveal(request.user, record["household"].area)
    record["today"] = timezone.localdate().isoformat()
    record["relations"] = Relation.choices
    record["residence_types"] = ResidenceType.choices
    record["statuses"] = [c for c in ResidentStatus.choices if c[0] != ResidentStatus.LIVING]
    household = record["household"]
    audit.record(
        request.user, "view", "household", household.pk, label=household.code, ip=client_ip(request)
    )
    return render(request, "people/household.html", record)


@never_cache
@scoped_page
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form asking a reason. POST: the plaintext, shown once (never cached)."""
    resident = selectors.resident_get(request.user, pk)
    context: dict[str, Any] = {"resident": resident, "reason": "", "errors": []}
    status = 200
    if request.method == "POST":
        context["reason"] = request.POST.get("reason", "")
        try:
            context["plain"] = services.reveal(
                actor=request.user,
                resident=resident,
                reason=context["reason"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            context["errors"] = [p.message for p in exc.problems]
            status = exc.status
    template = "people/_reveal.html" if request.headers.get("HX-Request") else "people/reveal.html"
    return render(request, template, context, status=status)


def _date(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise DomainError.one(_("Not a valid date."), field=field) from exc


@require_POST
@scoped_page
def tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(request.user, pk)
    kind = (
        TagKind.objects.filter(pk__in=access.visible_kind_ids(request.user))
        .filter(code=request.POST.get("kind", ""))
        .first()
    )
    try:
        if kind is None:
            raise DomainError.one(_("Unknown group."), field="kind")
        data = {
            f["name"]: request.POST.get(f"data_{f['name']}", "").strip()
            for f in kind.fields
            if request.POST.get(f"data_{f['name']}", "").strip()
        }
        services.tag_add(
            actor=request.user,
            resident=resident,
            kind=kind,
            data=data,
            valid_from=_date(request.POST.get("valid_from", ""), "valid_from"),
            valid_to=_date(request.POST.get("valid_to", ""), "valid_to"),
            note=request.POST.get("note", "").strip(),
            ip=client_ip(request),
        )
        messages.success(request, _("Group added."))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, "; ".join(p.message for p in exc.problems))
    return _back_to_household(resident)


@require_POST
@scoped_page
def tag_end(request: HttpRequest, pk: int) -> HttpResponse:
    tag = selectors.tag_get(request.user, pk)
    try:
        services.tag_end(
            actor=request.user,
            tag=tag,
            on=_date(request.POST.get("on", ""), "on"),
            ip=client_ip(request),
        )
        messages.success(request, _("Group ended."))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, "; ".join(p.message for p in exc.problems))
    return _back_to_household(tag.resident)


@require_POST
@scoped_page
def resident_add(request: HttpRequest, pk: int) -> HttpResponse:
    """一户一档 kept on the page: a new member of this household."""
    household = selectors.household_get(request.user, pk)
    post = request.POST
    try:
        resident = services.resident_create(
            actor=request.user,
            name=post.get("name", "").strip(),
            id_number=post.get("id_number", "").strip(),
            household=household,
            phone=post.get("phone", "").strip(),
            relation=post.get("relation", ""),
            residence_type=post.get("residence_type", ResidenceType.REGISTERED),
            moved_in_on=_date(post.get("moved_in_on", ""), "moved_in_on"),
            ip=client_ip(request),
        )
        messages.success(request, _("%(name)s added to the household.") % {"name": resident.name})
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, "; ".join(p.message for p in exc.problems))
    return redirect("people:household", household.pk)


@require_POST
@scoped_page
def resident_move_out(request: HttpRequest, pk: int) -> HttpResponse:
    """A member moved away or died: the residence ends, the record stays (history kept)."""
    resident = selectors.resident_get(request.user, pk)
    household_id = resident.household_id
    try:
        services.resident_move_out(
            actor=request.user,
            resident=resident,
            on=_date(request.POST.get("on", ""), "on"),
            status=request.POST.get("status", ResidentStatus.MOVED_OUT),
            ip=client_ip(request),
        )
        messages.success(request, _("%(name)s moved out.") % {"name": resident.name})
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, "; ".join(p.message for p in exc.problems))
    if household_id:
        return redirect("people:household", household_id)
    return redirect("people:search")


def _back_to_household(resident: Any) -> HttpResponse:
    if resident.household_id:
        return redirect("people:household", resident.household_id)
    return redirect("people:search")
