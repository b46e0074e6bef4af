"""Pages of the command centre. Thin: read through selectors, render."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from wangge.accounts.scope import can_see
from wangge.regions import selectors
from wangge.staff import grants


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.posts.exists() and user.departments.exists():  # type: ignore[union-attr]
        return redirect("web:orders")  # a department handler has no map of areas: their orders
    roots = list(selectors.top_areas(user=user))
    return render(request, "web/map.html", {"roots": roots})


@login_required
def area_search(request: HttpRequest) -> HttpResponse:
    """htmx partial: areas whose name or code matches q."""
    q = request.GET.get("q", "").strip()
    results = []
    if q:
        by_code = selectors.area_list(user=request.user, code_prefix=q)[:20]
        by_name = selectors.area_list(user=request.user, name=q)[:20]
        results = list({a.pk: a for a in [*by_code, *by_name]}.values())[:20]
    return render(request, "web/_area_results.html", {"results": results, "q": q})


@login_required
def area_page(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get(user=request.user, code=code)
    if area is None:
        raise Http404
    return render(
        request,
        "web/area.html",
        {
            "area": area,
            # Ancestors above the user's scope are named, not linked.
            "chain": [(a, can_see(request.user, a)) for a in selectors.area_chain(area)[:-1]],
            "children": selectors.area_children(user=request.user, area=area),
            "staff": selectors.area_staff(area),
            "may_manage": grants.may_manage(request.user, area),
        },
    )


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    rows = selectors.incomplete_grids(user=request.user)
    return render(request, "web/roster.html", {"rows": rows})
