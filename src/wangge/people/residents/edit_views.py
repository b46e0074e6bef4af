"""Editing people on the page: a resident's details, a move to another household or house,
a new household (with its head), a household's details and the move of a whole household.

Thin: scoped reads through `selectors` (outside the user's posts: 404), writes through
`services` (which check scope again and audit). ID numbers and phones are never put in a
form in clear: their inputs start empty (the masked value as a hint) and are only written
when filled in; a refused form is shown again with each problem under its field and listed
on top with the field's name, and those two inputs are not echoed back.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from wangge.accounts.actors import Actor
from wangge.accounts.audit import client_ip
from wangge.decoding import unstorable
from wangge.errors import DomainError
from wangge.pages import scoped_page
from wangge.people import scoping
from wangge.people.models import House, Household, IdType, Relation, ResidenceType, Resident, Sex
from wangge.people.places import selectors as place_selectors
from wangge.people.residents import selectors, services

# The form's words for the fields the services name in their problems.
FIELD_NAMES = {
    "name": gettext_lazy("Name"),
    "id_type": gettext_lazy("Document type"),
    "id_number": gettext_lazy("ID number"),
    "sex": gettext_lazy("Sex"),
    "birth_date": gettext_lazy("Birth date"),
    "phone": gettext_lazy("Phone"),
    "household": gettext_lazy("Household"),
    "household_code": gettext_lazy("Household number"),
    "house": gettext_lazy("House"),
    "house_code": gettext_lazy("House code"),
    "code": gettext_lazy("Household number"),
    "kind": gettext_lazy("Kind"),
    "note": gettext_lazy("Note"),
    "head": gettext_lazy("Head of household"),
    "head_name": gettext_lazy("Head's name"),
    "head_id_number": gettext_lazy("Head's ID number"),
    "head_phone": gettext_lazy("Head's phone"),
    "relation": gettext_lazy("Relation to head"),
    "residence_type": gettext_lazy("Residence type"),
    "on": gettext_lazy("Date"),
}


def _errors(exc: DomainError) -> tuple[dict[str, str], list[dict[str, str]]]:
    """By field (the first problem of each), and the list shown on top naming each field."""
    by_field: dict[str, str] = {}
    listed = []
    for p in exc.problems:
        by_field.setdefault(p.field, str(p.message))
        listed.append(
            {"field": p.field, "name": str(FIELD_NAMES.get(p.field, "")), "message": p.message}
        )
    return by_field, listed


def _check_text(post: Any) -> None:
    """A form field holding what cannot be stored (a NUL, a lone surrogate: a multipart body
    passes the NUL guard) is refused naming it, before any lookup reads it."""
    for field, values in post.lists():
        if any(unstorable(v) for v in values):
            raise DomainError.one(
                _("This text holds characters that cannot be stored."), field=field, status=422
            )


def _date(value: str, field: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise DomainError.one(_("Not a valid date."), field=field, status=422) from None


def _refused(exc: DomainError) -> bool:
    """A refusal shown on the form (a 404 goes on to the scoped page's 404)."""
    if exc.status == 404 and not any(p.field for p in exc.problems):
        raise exc
    return True


def _scoped_household(user: Actor, code: str, field: str) -> Household:
    found = (
        scoping.scoped(Household, user).filter(code=code.strip(), dissolved_on__isnull=True).first()
        if code.strip()
        else None
    )
    if found is None:
        raise DomainError.one(
            _("No such household in your areas."), field=field, code="not_found", status=422
        )
    return found


def _scoped_house(user: Actor, code: str, field: str) -> House:
    found = scoping.scoped(House, user).filter(code=code.strip()).first() if code else None
    if found is None:
        raise DomainError.one(
            _("No such house in your areas."), field=field, code="not_found", status=422
        )
    return found


def _houses_near(house: House | None) -> list[str]:
    """House codes offered as suggestions: those of the same building."""
    if house is None or house.building_id is None:
        return []
    codes = House.objects.filter(building_id=house.building_id).values_list("code", flat=True)
    return list(codes[:200])


def _back(resident: Resident) -> HttpResponse:
    if resident.household_id:
        return redirect("people:household", resident.household_id)
    return redirect("people:resident_edit", resident.pk)


# ---- a resident -----------------------------------------------------------------------------


@never_cache
@scoped_page
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_detail(request.user, pk)
    errors: dict[str, str] = {}
    listed: list[dict[str, str]] = []
    values: dict[str, Any] = {
        "name": resident.name,
        "id_type": resident.id_type,
        "sex": resident.sex,
        "birth_date": resident.birth_date.isoformat() if resident.birth_date else "",
    }
    if request.method == "POST":
        post = request.POST
        values = {f: post.get(f, "").strip() for f in ("name", "id_type", "sex", "birth_date")}
        phone = post.get("phone", "").strip()
        try:
            _check_text(post)
            services.resident_edit(
                actor=request.user,
                resident=resident,
                name=values["name"],
                sex=values["sex"],
                birth_date=_date(values["birth_date"], "birth_date"),
                phone="" if post.get("clear_phone") == "1" else (phone or None),
                id_type=values["id_type"],
                id_number=post.get("id_number", "").strip(),
                ip=client_ip(request),
            )
        except DomainError as exc:
            _refused(exc)
            errors, listed = _errors(exc)
            resident.refresh_from_db()
        else:
            messages.success(request, _("%(name)s saved.") % {"name": resident.name})
            return _back(resident)
    return render(
        request,
        "people/resident_edit.html",
        {
            "resident": resident,
            "values": values,
            "errors": errors,
            "listed": listed,
            "id_types": IdType.choices,
            "sexes": Sex.choices,
            "residences": list(resident.residences.all()),
        },
        status=422 if errors else 200,
    )


@never_cache
@scoped_page
def resident_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Into another household (by its number), or into a house as the head of a new one."""
    resident = selectors.resident_detail(request.user, pk)
    errors: dict[str, str] = {}
    listed: list[dict[str, str]] = []
    post = request.POST if request.method == "POST" else None
    if post is not None:
        try:
            _check_text(post)
            on = _date(post.get("on", ""), "on")
            if on is not None and on > timezone.localdate():
                raise DomainError.one(_("A move cannot be in the future."), field="on", status=422)
            if post.get("mode") == "house":
                house = _scoped_house(request.user, post.get("house_code", ""), "house_code")
                target = services.household_create(
                    actor=request.user,
                    house=house,
                    code=post.get("code", ""),
                    kind=post.get("kind", Household.Kind.FAMILY),
                    head=resident,
                    on=on,
                    ip=client_ip(request),
                )
            else:
                target = _scoped_household(
                    request.user, post.get("household_code", ""), "household_code"
                )
                if target.pk == resident.household_id:
                    raise DomainError.one(
                        _("The resident already lives in this household."),
                        field="household_code",
                        status=422,
                    )
                relation = post.get("relation", "")
                if relation not in ("", *Relation.values):
                    raise DomainError.one(_("Unknown relation."), field="relation", status=422)
                services.resident_move(
                    actor=request.user,
                    resident=resident,
                    household=target,
                    on=on,
                    relation=relation,
                    ip=client_ip(request),
                )
        except DomainError as exc:
            _refused(exc)
            errors, listed = _errors(exc)
        else:
            messages.success(
                request,
                _("%(name)s moved to household %(code)s.")
                % {"name": resident.name, "code": target.code},
            )
            return redirect("people:household", target.pk)
    household = resident.household
    return render(
        request,
        "people/resident_move.html",
        {
            "resident": resident,
            "posted": post or {},
            "errors": errors,
            "listed": listed,
            "relations": Relation.choices,
            "kinds": Household.Kind.choices,
            "today": timezone.localdate().isoformat(),
            "houses": _houses_near(household.house if household else None),
            "residences": list(resident.residences.all()),
        },
        status=422 if errors else 200,
    )


# ---- a household ----------------------------------------------------------------------------


@never_cache
@scoped_page
def household_new(request: HttpRequest, pk: int) -> HttpResponse:
    house = place_selectors.house_get(request.user, pk)
    errors: dict[str, str] = {}
    listed: list[dict[str, str]] = []
    post = request.POST if request.method == "POST" else None
    if post is not None:
        try:
            _check_text(post)
            household = services.household_create(
                actor=request.user,
                house=house,
                code=post.get("code", ""),
                kind=post.get("kind", Household.Kind.FAMILY),
                note=post.get("note", "").strip(),
                head_name=post.get("head_name", "").strip(),
                head_id_number=post.get("head_id_number", "").strip(),
                head_phone=post.get("head_phone", "").strip(),
                residence_type=post.get("residence_type", ResidenceType.REGISTERED),
                on=_date(post.get("on", ""), "on"),
                ip=client_ip(request),
            )
        except DomainError as exc:
            _refused(exc)
            errors, listed = _errors(exc)
        else:
            messages.success(request, _("Household %(code)s created.") % {"code": household.code})
            return redirect("people:household", household.pk)
    return render(
        request,
        "people/household_new.html",
        {
            "house": house,
            "posted": post or {},
            "errors": errors,
            "listed": listed,
            "kinds": Household.Kind.choices,
            "residence_types": ResidenceType.choices,
            "today": timezone.localdate().isoformat(),
        },
        status=422 if errors else 200,
    )


@never_cache
@scoped_page
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)
    members = list(household.members.order_by("pk"))
    errors: dict[str, str] = {}
    listed: list[dict[str, str]] = []
    head = next((m for m in members if m.relation == Relation.HEAD), None)
    values = {"kind": household.kind, "note": household.note, "head": str(head.pk if head else "")}
    if request.method == "POST":
        values = {f: request.POST.get(f, "").strip() for f in ("kind", "note", "head")}
        chosen = next((m for m in members if str(m.pk) == values["head"]), None)
        try:
            _check_text(request.POST)
            if values["head"] and chosen is None:
                raise DomainError.one(
                    _("The head must be a member of this household."), field="head", status=422
                )
            services.household_edit(
                actor=request.user,
                household=household,
                kind=values["kind"],
                note=values["note"],
                head=chosen,
                ip=client_ip(request),
            )
        except DomainError as exc:
            _refused(exc)
            errors, listed = _errors(exc)
        else:
            messages.success(request, _("Household %(code)s saved.") % {"code": household.code})
            return redirect("people:household", household.pk)
    return render(
        request,
        "people/household_edit.html",
        {
            "household": household,
            "members": members,
            "values": values,
            "errors": errors,
            "listed": listed,
            "kinds": Household.Kind.choices,
        },
        status=422 if errors else 200,
    )


@never_cache
@scoped_page
def household_move(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)
    errors: dict[str, str] = {}
    listed: list[dict[str, str]] = []
    post = request.POST if request.method == "POST" else None
    if post is not None:
        try:
            _check_text(post)
            house = _scoped_house(request.user, post.get("house_code", ""), "house_code")
            if house.pk == household.house_id:
                raise DomainError.one(
                    _("The household already lives in this house."),
                    field="house_code",
                    status=422,
                )
            services.household_move(
                actor=request.user,
                household=household,
                house=house,
                on=_date(post.get("on", ""), "on"),
                ip=client_ip(request),
            )
        except DomainError as exc:
            _refused(exc)
            errors, listed = _errors(exc)
        else:
            messages.success(
                request,
                _("Household %(code)s moved to %(house)s.")
                % {"code": household.code, "house": house.code},
            )
            return redirect("people:household", household.pk)
    return render(
        request,
        "people/household_move.html",
        {
            "household": household,
            "house": household.house,
            "posted": post or {},
            "errors": errors,
            "listed": listed,
            "today": timezone.localdate().isoformat(),
            "houses": _houses_near(household.house),
        },
        status=422 if errors else 200,
    )
