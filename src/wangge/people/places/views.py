"""The place pages: buildings and their houses, and the organisations, party branches, hazard
points and facilities in scope (lists and a map layer)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from wangge.pages import scoped_page
from wangge.people import scoping
from wangge.people.party import selectors as party_selectors
from wangge.people.places import selectors
from wangge.people.residents import selectors as resident_selectors
from wangge.regions.lean import without_geometry

PAGE_SIZE = 50


@scoped_page
def buildings(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    number = int(request.GET.get("page", "1")) if request.GET.get("page", "").isdigit() else 1
    rows, has_next = scoping.page(selectors.buildings(request.user, q=q), number, PAGE_SIZE)
    return render(
        request,
        "people/buildings.html",
        {"rows": rows, "q": q, "page": number, "has_next": has_next},
    )


@scoped_page
def building(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.building_get(request.user, pk)
    houses = without_geometry(selectors.building_houses(obj).select_related("area"))
    return render(request, "people/building.html", {"building": obj, "houses": houses})


@scoped_page
def house(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.house_get(request.user, pk)
    households = resident_selectors.house_households(obj)
    return render(request, "people/house.html", {"house": obj, "households": households})


@scoped_page
def places(request: HttpRequest) -> HttpResponse:
    """Organisations, party branches, hazard points and facilities: lists and a map."""
    year = timezone.localdate().year
    return render(
        request,
        "people/places.html",
        {
            "organizations": selectors.organizations(request.user)[:200],
            "branches": without_geometry(
                party_selectors.party_branches(request.user).select_related("area")
            )[:200],
            "report_ins": party_selectors.report_in_check(request.user, year)[:200],
            "hazards": selectors.hazards(request.user)[:200],
            "year": year,
        },
    )


@scoped_page
def places_geojson(request: HttpRequest) -> JsonResponse:
    return JsonResponse(selectors.places_features(request.user))
