"""The lists, figures and exports that tests/*/test_lean_lists.py do not walk: notices,
activities, assessment, audit, alerts, the centre's fieldwork pages, intake's and Open311's
figures and lists, the dashboard and its export. None loads area geometry, and their query
counts do not grow with the number of events (issue 12: no list, queue, export or figure may
load geometry it does not draw). The map's GeoJSON endpoints, which draw it, are not here."""

import pytest

from tests.events.factories import make_world
from tests.sqlguard import get_lean, grow_events, lean_counts

pytestmark = pytest.mark.django_db

# As a district operator (the superuser too: some read everything for them).
URLS = [
    "/api/intake/figures/channels",
    "/api/activities",
    "/api/activities/kinds",
    "/notices/activities/",
    "/api/notices/inbox",
    "/api/notices/sent",
    "/notices/",
    "/notices/sent/",
    "/api/assessment/runs",
    "/assessment/",
    "/api/fieldwork/alerts",
    "/api/fieldwork/visits/rules",
    "/api/fieldwork/attend/rules",
    "/api/fieldwork/visits/figures",
    "/api/fieldwork/patrols/figures",
    "/api/fieldwork/patrols/inspections/due",
    "/field/visits/alerts/",
    "/field/centre/",
    "/field/party/",
    "/field/campaigns/centre/",
    "/field/patrols/figures/",
    "/api/people/party/report-ins/below",
    "/api/people/tag-kinds",
    "/people/places/features/",
    "/staff/import/",
    "/api/categories",
    "/api/departments",
    "/inbox/count/",
    "/r/status/",
    "/open311/v2/requests.json",
]
ADMIN_URLS = ["/api/people/audit", "/people/audit/"]
# The figures of the stats app read the scope's area, its children and its breadcrumb with
# their boundaries (stats/selectors.py home_area, resolve, children, breadcrumb): a county's
# boundary is megabytes. Recorded in /work/notes/gaps-12.md for the stats app's owner; the
# marker goes when they defer the column (strict: this test then says so).
STATS_URLS = [
    "/api/stats/overview",
    "/api/stats/children",
    "/api/stats/trend",
    "/api/stats/breakdown/category",
    "/api/stats/indicators",
    "/dashboard/",
    "/dashboard/screen/",
    "/dashboard/export.xlsx",
]


def test_other_lists_and_figures_load_no_geometry_and_constant_queries(client):
    world = make_world()
    grow_events(world, 3)
    who = [(world.operator, URLS), (world.admin, URLS + ADMIN_URLS)]
    small = [lean_counts(client, user, urls) for user, urls in who]
    grow_events(world, 27)
    large = [lean_counts(client, user, urls) for user, urls in who]
    assert large == small


def test_the_dashboard_figures_load_no_geometry(client):
    world = make_world()
    grow_events(world, 3)
    client.force_login(world.operator)
    for url in STATS_URLS:
        get_lean(client, url)
