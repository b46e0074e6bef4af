"""Pages of the command centre. Thin: read through selectors, render."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from wangge.accounts import selectors as account_selectors
from wangge.accounts.models import Post, Role
from wangge.accounts.scope import can_see
from wangge.pages import scoped_page
from wangge.people.residents import selectors as people_selectors
from wangge.regions import selectors
from wangge.regions.lean import without_geometry
from wangge.staff import grants
from wangge.stats import dashboard
from wangge.stats import selectors as stats_selectors
from wangge.web.context import is_field_worker


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where a login lands: today's tasks for the people who work in the street, the work
    orders for a department's handler, the map for everyone else."""
    user = request.user
    if is_field_worker(user):
        return redirect("fieldwork:today")
    if not user.posts.exists() and user.departments.exists():  # type: ignore[union-attr]
        return redirect("web:orders")
    return redirect("web:map")


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """我的: the phone shell's page of the user's own things (posts, round, visits, password)."""
    posts = without_geometry(
        Post.objects.filter(
            user_id=int(request.user.pk or 0), ended_on__isnull=True
        ).select_related("area")
    )
    return render(request, "web/me.html", {"posts": posts})


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.posts.exists() and user.departments.exists():  # type: ignore[union-attr]
        return redirect("web:orders")  # a department handler has no map of areas: their orders
    roots = list(selectors.top_areas(user=user))
    return render(
        request,
        "web/map.html",
        {
            "roots": roots,
            "choropleth_figures": stats_selectors.CHOROPLETH,
            # The layers' caps, for the note shown when a layer holds only part of its points.
            "open_limit": f"{stats_selectors.OPEN_POINTS:,}",
            "heat_limit": f"{stats_selectors.HEAT_CELLS:,}",
            "asof": dashboard.asof_local(),  # the figure layers' "figures as of"
        },
    )


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


@scoped_page
def area_page(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get(user=request.user, code=code)
    mark = dashboard.fill_mark()
    return render(
        request,
        "web/area.html",
        {
            "area": area,
            # Population: two COUNTs of the subtree as the user sees it; open events: the
            # figures' rollups (as of their last fill), never the event table.
            "population": people_selectors.population(request.user, area),
            "residents_url": f"{reverse('people:search')}?{urlencode({'area': area.code})}",
            "open_events": dashboard.open_events(area, mark),
            "asof": dashboard.asof_local(mark),
            # Ancestors above the user's scope are named, not linked.
            "chain": [(a, can_see(request.user, a)) for a in selectors.area_chain(area)[:-1]],
            "children": selectors.area_children(user=request.user, area=area),
            "staff": account_selectors.area_staff(area),
            "may_manage": grants.may_manage(request.user, area),
        },
    )


ROSTER_PAGE = 100


@scoped_page
def roster(request: HttpRequest) -> HttpResponse:
    """The grids short of 1+1+N; with `?area=CODE&role=part_time` (the dashboard's part-time
    workers link here), the part-time workers in post under the area instead."""
    code = request.GET.get("area", "").strip()
    if code and request.GET.get("role") == Role.PART_TIME:
        area = selectors.area_get(user=request.user, code=code)  # 404 outside the scope
        posts = account_selectors.posts_under(user=request.user, area=area, role=Role.PART_TIME)
        page = Paginator(posts, ROSTER_PAGE).get_page(request.GET.get("page"))
        return render(request, "web/roster_posts.html", {"area": area, "page": page})
    rows = account_selectors.incomplete_grids(user=request.user)
    return render(request, "web/roster.html", {"rows": rows})
