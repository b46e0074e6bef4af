"""The scope walk: every page of the URL conf and every operation of the OpenAPI document has a
wrong-grid and wrong-role case here, or an exemption with its reason; a route added without
either fails `test_every_route_has_a_case`.

Each case runs on the real client as two users who must not see grid A (micro-grid
330103001001001001): a worker of another street's grid (wrong grid) and a department handler
without a post or an order (wrong role). They may get 302/403/404/405/422 or an answer that
holds nothing of grid A (its event's code and title, its micro-grid's code), never grid A's data.
"""

import re

from tests.events.factories import make_world, report
from tests.routes import routes
from wangge.events.models import Notification

# (path pattern regex, case). Cases: "list" (no parameter), "event" ({code} = grid A's
# event; {other} its second event; {pk}/{action} placeholders), "area" ({code} = grid A's
# micro-grid), "note" ({nid}/{pk} = a notification of grid A's worker).
CASES: list[tuple[str, str]] = [
    (r"^/events/<code>/", "event"),
    (r"^/api/events/\{code\}", "event"),
    (r"^/areas/<code>/(posts/)?$", "area"),
    (r"^/api/areas/\{code\}", "area"),
    (r"^/inbox/<pk>/read/$", "note"),
    (r"^/api/notifications/\{nid\}/read$", "note"),
    (r"^/(events|events/counts|orders|inbox|inbox/count|m|areas/search|areas/roster)/$", "list"),
    (r"^/(start|me|downloads|downloads/new)/$", "list"),
    (r"^/api/downloads$", "list"),
    (r"^/staff/import/$", "list"),
    (r"^/(people|people/buildings|people/places|people/places/features|people/audit)/$", "list"),
    (r"^/field/(|party|centre|visits|visits/figures|visits/alerts|visits/attend)/?$", "list"),
    (r"^/field/(campaigns|campaigns/centre|campaigns/new|patrols|patrols/figures)/$", "list"),
    (r"^/field/visits/figures/map\.json$", "list"),
    (r"^/api/(areas|areas/tree|areas/roster/incomplete|locate|events|events/counts)$", "list"),
    (r"^/api/(events/figures|notifications|intake/changes|intake/figures/channels)$", "list"),
    (r"^/api/people/(residents|buildings|organizations|party/branches|party/members)$", "list"),
    (r"^/api/people/(party/report-ins/below|hazards|facilities|audit|audit/verify)$", "list"),
    (r"^/api/fieldwork/(visits/rules|visits/tasks|visits/records|visits/figures)$", "list"),
    (
        r"^/api/fieldwork/(alerts|attend/rules|attend/tasks|patrols|today|today/done|campaigns)$",
        "list",
    ),
    (r"^/api/fieldwork/patrols/(inspections|inspections/due|figures)$", "list"),
    (
        r"^/(dashboard|dashboard/screen|assessment|assessment/bulletins|assessment/schemes)/$",
        "list",
    ),
    (r"^/dashboard/export\.xlsx$", "list"),
    (r"^/notices/(|sent|send|activities)/?$", "list"),
    (
        r"^/api/stats/(overview|children|trend|modules|heat|open-events|status|indicators"
        r"|activities|breakdown/\{dimension\})$",
        "list",
    ),
    (r"^/api/(activities|activities/figures|activities/kinds)$", "list"),
    (r"^/api/(notices|notices/inbox|notices/sent|assessment/runs)$", "list"),
    (r"^/api/assessment/(bulletins|disputes|schemes|indicators)$", "list"),
    (r"^/(assessment|api/assessment)/(disputes|bulletins/subscriptions)/?$", "list"),
]
EXEMPT: list[tuple[str, str]] = [
    (r"^/$", "the home page redirects to the user's start page"),
    (r"^/(login|logout|account/.*)/$", "the user's own account pages"),
    (r"^/admin/", "back office: staff users only (tests/accounts)"),
    (r"^/api/(docs|openapi\.json)$", "the API's own description"),
    (r"^/(r|open311)/", "public portal and Open311: no grid data beyond what residents file"),
    (r"^/(static|media)/", "static files"),
    (
        r"^/api/(categories|departments|people/tag-kinds|people/import/template\.xlsx)$",
        "catalogues the same for everyone",
    ),
    (r"^/api/intake/", "intake channels authenticate by API key, not by post (tests/intake)"),
    (
        r"^/(events/bulk|inbox/read-all|m/report|field/patrols/start|field/patrols/finding)/$",
        "POST only, acting on the caller's own scope (tests/events, tests/fieldwork)",
    ),
    (
        r"^/api/people/(import|residents/export\.xlsx|import/reports/.*)$",
        "writes or exports within the caller's scope (tests/people/test_scope.py, test_import.py)",
    ),
    (
        r"^/people/audit/alerts/<pk>/acknowledge/$",
        "POST only, auditors only (others 404): tests/people/test_reveal_limit.py",
    ),
    (
        r"^/people/(residents|households|houses)/<pk>/(edit|move|households/new)/$",
        "people edit forms: another grid's worker 404, nothing written, audit rows "
        "(tests/people/test_edit_pages.py)",
    ),
    (
        r"^/field/campaigns/<pk>/(edit|end)/$",
        "campaign edit and close/cancel: grid workers and non-covering operators 404 "
        "(tests/fieldwork/test_campaign_edit_page.py)",
    ),
    (
        r"^/(people|api/people)/.*(<pk>|\{\w+\})",
        "object pages of people and places: wrong-grid 404 in tests/people/test_scope.py",
    ),
    (
        r"^/(field|api/fieldwork)/.*(<pk>|<mid>|<kind>|\{\w+\})",
        "fieldwork objects: wrong-grid 404 in tests/fieldwork (visits, attend, patrols, campaigns)",
    ),
    (
        r"^/api/fieldwork/(visits/generate|attend/sync)$",
        "POST only, planning within the caller's scope (tests/fieldwork)",
    ),
    (
        r"^/(notices/board|api/notices/public)",
        "residents' public notice boards: only notices addressed to residents (tests/notices)",
    ),
    (r"^/(notices|api/notices)/.*(<pk>|\{pk\})", "notices: outsiders get 404 (tests/notices)"),
    (
        r"^/api/activities/\{pk\}/photos$",
        "activity photos: outsiders get 404 (tests/notices/test_activity_members_photos.py)",
    ),
    (
        r"^/(assessment|api/assessment)/.*(<rid>|\{rid\})",
        "assessment results: targets under the user's posts only (tests/assessment)",
    ),
    (
        r"^/(assessment|api/assessment)/(bulletins|disputes)/(<bid>|\{bid\}|<did>|\{did\}|subscription)",
        "bulletins of areas outside the posts 404; disputes decided by assessors only; the "
        "caller's own subscription (tests/assessment/test_bulletins.py, test_disputes.py, "
        "test_assess_pages.py)",
    ),
    (
        r"^/(assessment|api/assessment)/schemes/(<sid>|\{sid\})",
        "a scheme's definition is the same for everyone; its preview's scores are scoped and "
        "saving needs an assessor (tests/assessment/test_editor.py)",
    ),
    (
        r"^/(downloads/<pk>/file/|api/downloads/\{pk\}(/file)?)$",
        "the caller's own exports only; anyone else's is 404 (tests/test_downloads.py)",
    ),
    (
        r"^/api/people/residents/search$",
        "POST search within the caller's scope (tests/people/test_scope.py)",
    ),
]


def classify(path: str) -> str | None:
    for rx, case in CASES:
        if re.search(rx, path):
            return case
    for rx, reason in EXEMPT:
        if re.search(rx, path):
            return f"exempt: {reason}"
    return None


def test_every_route_has_a_case():
    assert classify("/brand-new/<pk>/") is None  # a new page is not covered by accident
    missing = [f"{m} {p}" for p, m in routes() if classify(p) is None]
    assert not missing, "routes without a wrong-grid/wrong-role case or exemption:\n" + (
        "\n".join(missing)
    )


# Query strings a list case needs to answer at all (a point inside grid A's micro-grid).
QUERIES = {"/api/locate": "?lon=120.1012&lat=30.2013"}


def _url(path: str, case: str, values: dict[str, str]) -> str:
    fill = {
        "code": values["area"] if case == "area" else values["event"],
        "other": values["other"],
        "nid": values["note"],
        "pk": values["note"] if case == "note" else "1",
        "action": "accept",
        "dimension": "channel",
    }
    url = re.sub(r"<(\w+)>|\{(\w+)\}", lambda m: fill[m.group(1) or m.group(2)], path)
    return url + QUERIES.get(path, "")


def test_wrong_grid_and_wrong_role_see_nothing_of_grid_a(db, client):
    """One world, every cased route as both users (a test per route would rebuild it 200 times)."""
    w = make_world()
    event = report(w, title="甲网格独有的井盖缺失")
    second = report(w, title="甲网格独有的路灯不亮")
    note = Notification.objects.create(
        user=w.worker, kind=Notification.Kind.MERGED, event=event, text=event.title
    )
    markers = [event.code, event.title, second.code, w.micro.code]
    values = {"event": event.code, "other": second.code, "area": w.micro.code, "note": str(note.pk)}
    cased = [(p, m, c) for p, m in routes() if (c := classify(p)) and not c.startswith("exempt")]
    assert len(cased) > 80
    problems = []
    for who, user in (("wrong grid", w.other_worker), ("wrong role", w.city_handler)):
        client.force_login(user)
        for path, method, case in cased:
            url = _url(path, case, values)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.generic(method, url, "{}", content_type="application/json")
            status = response.status_code
            body = response.content.decode(errors="replace")
            # A "not found" may echo the caller's own input back, nothing more.
            leaked = [m for m in markers if m in body and m not in url]
            allowed = DENIED + ((204,) if case == "note" else ())  # a no-op: checked below
            if status >= 500 or leaked or (case != "list" and status not in allowed):
                problems.append(f"{who}: {method} {url} -> {status} {leaked}")
    assert not problems, "\n".join(problems)
    # Nothing was done on grid A's behalf either.
    assert Notification.objects.filter(pk=note.pk, read_at__isnull=True).exists()
    event.refresh_from_db()
    assert event.status == "reported"


DENIED = (302, 403, 404, 405, 422)
