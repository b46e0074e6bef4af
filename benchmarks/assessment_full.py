"""The assessment benchmark's world at the stats benchmark's full size, made in PostgreSQL
by set-based statements (`INSERT … SELECT generate_series`), never a Python loop per row.

The runs and bulletins read facts, rollups, lead work orders and the month's events (for the
grid workers' rows), not the events' history; so this writes:

* a 5-level tree: 1 district, streets, communities, grids (25 micro-grids each), micro-grids;
* `events` facts spread evenly over `months` months up to now (ids in time order, written in
  that order as the fill writes them, so a period's facts lie together), with the
  field's proportions: ~94 % closed (a quarter of them after their handling deadline),
  2 % rejected, 2 % open long after their deadline (the backlog 应结案 carries), the last week
  still open; 85 % of the accepted dispatched to one of 40 departments, 5 % of those returned
  once and dispatched again (two lead orders);
* the closed month's events themselves (40 % reported by a grid worker) and their lead work
  orders (signed on time, late or not yet);
* `workers` grid workers (users and liaison posts at micro-grids);
* the rollups of the closed month and the one before it (what the bulletin reads).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

DEPARTMENTS = 40
GEO = '{"type":"Polygon","coordinates":[[[120,30],[120.001,30],[120.001,30.001],[120,30]]]}'
# Area ids by level (explicit, so a micro-grid's ancestors are arithmetic on its index).
BASE = {1: 1, 2: 10, 3: 1_000, 4: 10_000, 5: 100_000}
USER_BASE = 1_000_000
EVENT_CODE = "F"


def _tree(micro: int) -> dict[int, int]:
    grids = max(1, micro // 25)
    communities = max(1, grids // 10)
    streets = max(1, communities // 20)
    return {1: 1, 2: streets, 3: communities, 4: grids, 5: micro}


def _per(micro: int) -> dict[int, int]:
    """How many micro-grids under one area of each level."""
    n = _tree(micro)
    return {level: -(-micro // n[level]) for level in n}


def build_areas(cur: Any, micro: int, say: Any) -> None:
    n, per = _tree(micro), _per(micro)
    cur.execute(
        "INSERT INTO regions_area (id, code, name, level, path, source_code, geometry,"
        " valid_from, created_at, updated_at) VALUES (%s, '330100', '全市', 1, '/330100/', '',"
        " %s, '2020-01-01', now(), now())",
        [BASE[1], GEO],
    )
    for level in range(2, 6):
        # the i-th area of the level lies under the parent holding its first micro-grid
        cur.execute(
            f"""
            INSERT INTO regions_area (id, code, name, level, parent_id, path, source_code,
              geometry, valid_from, created_at, updated_at)
            SELECT {BASE[level]} + i, '33{level}' || lpad(i::text, 6, '0'),
              p.name || '-' || i, {level}, p.id,
              p.path || '33{level}' || lpad(i::text, 6, '0') || '/', '', %s,
              '2020-01-01', now(), now()
            FROM generate_series(0, {n[level] - 1}) i
            JOIN regions_area p ON p.id = {BASE[level - 1]}
              + LEAST((i * {per[level]}) / {per[level - 1]}, {n[level - 1] - 1})
            """,
            [GEO],
        )
    say(f"  areas: {n}")


def _ancestor(level: int, micro: int, index: str) -> str:
    """SQL: the id of the level's area above micro-grid number `index`."""
    n, per = _tree(micro), _per(micro)
    if level == 1:
        return str(BASE[1])
    return f"{BASE[level]} + LEAST({index} / {per[level]}, {n[level] - 1})"


def build_facts(cur: Any, events: int, micro: int, months: int, now: datetime, say: Any) -> None:
    from wangge.stats.models import FLAGS, MAX_LEVELS

    cur.execute(
        "INSERT INTO events_department (id, code, name, active)"
        f" SELECT i, 'd' || lpad(i::text, 2, '0'), '部门' || i, TRUE"
        f" FROM generate_series(1, {DEPARTMENTS}) i"
    )
    cur.execute(
        "CREATE TEMP TABLE bench_cat AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id,"
        " parent_id FROM events_category WHERE parent_id IS NOT NULL"
    )
    cur.execute("SELECT count(*) FROM bench_cat")
    n_cat = cur.fetchone()[0]
    start = now - timedelta(days=round(months * 30.44))
    span = (now - timedelta(hours=1) - start).total_seconds()
    # drop the indexes while writing (made again after): ten indexes on 10 M rows
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'stats_eventfact'"
        " AND indexname <> 'stats_eventfact_pkey'"
    )
    indexes = cur.fetchall()
    for name, _def in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    cur.execute("SELECT setseed(0.16)")
    areas = ", ".join(f"area_{n}" for n in range(1, MAX_LEVELS + 1))
    area_values = ", ".join(
        _ancestor(n, micro, "r.m") if n <= 5 else "NULL" for n in range(1, MAX_LEVELS + 1)
    )
    flag_sql = {
        "reported": "TRUE",
        "accepted": "r.acc",
        "accepted_on_time": "r.acc AND r.u1 < 0.95",
        "dispatched": "r.disp",
        "dispatched_accurately": "r.disp AND r.u2 >= 0.05",
        "handled": "r.st IN ('closed', 'handled', 'verified')",
        "handled_on_time": "r.st IN ('closed', 'handled', 'verified') AND NOT r.late",
        "closed": "r.st = 'closed'",
        "closed_on_time": "r.st = 'closed' AND NOT r.late",
        "reworked": "r.acc AND r.u3 < 0.03",
        "extended": "r.acc AND r.u3 >= 0.97",
        "overdue_ever": "r.late OR r.backlog",
        "escalated": "r.acc AND r.u4 < 0.05",
        "self_handled": "r.acc AND NOT r.disp",
        "called_back": "r.st = 'closed' AND r.u4 >= 0.2",
        "satisfied": "r.st = 'closed' AND r.u4 >= 0.28",
        "reopened": "r.st = 'closed' AND r.u5 < 0.01",
        "open": "r.st IN ('reported', 'accepted', 'dispatched', 'handling', 'handled', 'verified')",
        "open_reported": "r.st = 'reported'",
        "open_accepted": "r.st = 'accepted'",
        "open_handling": "r.st IN ('dispatched', 'handling')",
        "open_checking": "r.st IN ('handled', 'verified')",
        "open_red": "r.backlog",
        "open_yellow": "FALSE",
        "open_supervised": "r.backlog AND r.u5 < 0.3",
        "joint": "r.disp AND r.u5 >= 0.9",
        "joint_handled_on_time": "r.disp AND r.u5 >= 0.9 AND r.st = 'closed' AND NOT r.late",
        **{f"settled_{n}": f"r.st = 'closed' AND {n} = 5" for n in range(1, MAX_LEVELS + 1)},
        "signed": "r.disp",
        "signed_on_time": "r.disp AND r.u2 >= 0.1",
    }
    assert set(flag_sql) == set(FLAGS)
    flags = ", ".join(flag_sql)
    flag_values = ", ".join(flag_sql[f] for f in flag_sql)
    cur.execute(
        f"""
        INSERT INTO stats_eventfact (event_id, category_id, category_class_id, channel,
          department_id, priority, status, day, reported_at, accepted_at, dispatched_at,
          handled_at, closed_at, handle_deadline, settled_level, satisfaction, lon, lat,
          {areas}, {flags})
        SELECT r.i, c.id, c.parent_id, r.channel,
          CASE WHEN r.disp THEN 1 + mod(r.i * 7, {DEPARTMENTS}) END, 'normal', r.st,
          (r.at AT TIME ZONE 'Asia/Shanghai')::date, r.at,
          CASE WHEN r.acc THEN r.at + interval '1 hour' END,
          CASE WHEN r.disp THEN r.at + interval '2 hours' END,
          CASE WHEN r.st IN ('closed', 'handled', 'verified') THEN r.closed - interval '1 hour'
          END,
          CASE WHEN r.st = 'closed' THEN r.closed END,
          CASE WHEN r.acc THEN r.at + interval '5 days' END,
          CASE WHEN r.st = 'closed' THEN 5 END,
          CASE WHEN r.st = 'closed' AND r.u4 >= 0.28 THEN 'satisfied'
               WHEN r.st = 'closed' AND r.u4 >= 0.2 THEN 'unsatisfied' ELSE '' END,
          120 + r.m * 1e-5, 30 + r.m * 1e-5,
          {area_values}, {flag_values}
        FROM (
          SELECT q.*,
            q.st NOT IN ('reported', 'rejected') AS acc,
            q.st NOT IN ('reported', 'rejected', 'accepted') AND q.u2 < 0.85 AS disp,
            q.st = 'closed' AND q.closed > q.at + interval '5 days' AS late,
            q.st <> 'closed' AND q.st <> 'rejected' AND q.at < %(week)s AS backlog
          FROM (
            SELECT p.*,
              CASE WHEN p.at >= %(week)s THEN
                (ARRAY['reported', 'accepted', 'dispatched', 'handling', 'handled'])
                  [1 + floor(p.u0 * 5)::int]
                WHEN p.u0 < 0.02 THEN 'rejected'
                WHEN p.u0 < 0.04 THEN 'handling'
                ELSE 'closed' END AS st,
              p.at + interval '1 day' + (p.u1 * p.u1 * interval '8 days') AS closed
            FROM (
              SELECT i, %(start)s::timestamptz + ((i - 1) * %(step)s) * interval '1 second' AS at,
                floor(random() * {micro})::int AS m,
                (ARRAY['grid_app', 'resident', 'hotline', 'city_management', 'video'])
                  [1 + mod(i, 5)] AS channel,
                random() AS u0, random() AS u1, random() AS u2, random() AS u3,
                random() AS u4, random() AS u5
              FROM generate_series(1, {events}) i
            ) p
          ) q
        ) r
        JOIN bench_cat c ON c.k = mod(r.i, {n_cat})
        ORDER BY r.i
        """,
        {"start": start, "step": span / max(1, events - 1), "week": now - timedelta(days=7)},
    )
    say(f"  {cur.rowcount:,} facts")
    for _name, definition in indexes:
        cur.execute(definition)
    say("  fact indexes made")


def build_month_events(cur: Any, workers: int, first: date, last: date, say: Any) -> None:
    """The closed month's events (for the grid workers' rows) and their lead orders."""
    cur.execute(
        f"""
        INSERT INTO events_event (id, code, title, description, priority, channel,
          reporter_name, address, status, self_handled, alert, supervised, rework_count,
          reopen_count, satisfaction, version, reported_at, accepted_at, handled_at, closed_at,
          handle_deadline, overdue_ever, updated_at, area_id, category_id,
          responsible_area_id, source_ref, category_unconfirmed, closed_at_source,
          reporter_phone_enc, reporter_phone_index, reporter_phone_masked, reporter_id, lon, lat)
        SELECT f.event_id, '{EVENT_CODE}' || f.event_id, 'bench', '', 'normal', f.channel, '',
          '', f.status, f.self_handled, '', FALSE, 0, 0, f.satisfaction, 1, f.reported_at,
          f.accepted_at, f.handled_at, f.closed_at, f.handle_deadline, f.overdue_ever, now(),
          f.area_5, f.category_id, f.area_5, '', FALSE, FALSE, '', '', '',
          CASE WHEN mod(f.event_id, 5) < 2 THEN {USER_BASE} + mod(f.event_id, {workers}) END,
          f.lon, f.lat
        FROM stats_eventfact f WHERE f.day >= %s AND f.day <= %s
        """,
        [first, last],
    )
    say(f"  {cur.rowcount:,} events of {first:%Y-%m}")
    # one lead order per dispatched event; a returned first order (to another department)
    # before it when the dispatch was not accurate
    cur.execute(
        """
        INSERT INTO events_workorder (event_id, department_id, role, status, dispatched_at,
          sign_deadline, handle_deadline, alert, signed_at, feedback, return_reason,
          extension_reason)
        SELECT f.event_id, 1 + mod(f.department_id + 3, %(deps)s), 'lead', 'returned',
          f.dispatched_at - interval '30 minutes', f.dispatched_at - interval '20 minutes',
          f.handle_deadline, '', CASE WHEN mod(f.event_id, 3) = 0 THEN f.dispatched_at END, '',
          'not ours', ''
        FROM stats_eventfact f
        WHERE f.day >= %(first)s AND f.day <= %(last)s AND f.dispatched
          AND NOT f.dispatched_accurately
        UNION ALL
        SELECT f.event_id, f.department_id, 'lead',
          CASE WHEN f.signed THEN 'signed' ELSE 'pending' END, f.dispatched_at,
          f.dispatched_at + interval '1 hour', f.handle_deadline, '',
          CASE WHEN f.signed_on_time THEN f.dispatched_at + interval '30 minutes'
               WHEN f.signed THEN f.dispatched_at + interval '3 hours' END, '', '', ''
        FROM stats_eventfact f
        WHERE f.day >= %(first)s AND f.day <= %(last)s AND f.dispatched
        ORDER BY 1
        """,
        {"deps": DEPARTMENTS, "first": first, "last": last},
    )
    say(f"  {cur.rowcount:,} lead orders")


def build_workers(cur: Any, workers: int, micro: int, say: Any) -> None:
    cur.execute(
        f"""
        INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,
          email, is_staff, is_active, date_joined)
        SELECT {USER_BASE} + i, '!', FALSE, 'w' || lpad(i::text, 7, '0'), '', '', '', FALSE,
          TRUE, now()
        FROM generate_series(0, {workers - 1}) i
        """
    )
    cur.execute(
        f"""
        INSERT INTO regions_post (role, started_on, area_id, user_id)
        SELECT 'liaison', '2020-01-01', {BASE[5]} + mod(i, {micro}), {USER_BASE} + i
        FROM generate_series(0, {workers - 1}) i
        """
    )
    say(f"  {workers:,} workers")


def reset_sequences(cur: Any) -> None:
    for table in ("regions_area", "events_department", "auth_user", "events_event"):
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        )


def build(
    events: int,
    micro: int,
    workers: int,
    months: int,
    now: datetime,
    period: tuple[date, date],
    say: Any,
    timed: Any,
) -> None:
    from django.db import connection, transaction

    from wangge.stats import rollups
    from wangge.stats.fill import STATE
    from wangge.stats.models import FillState

    first, last = period
    with connection.cursor() as cur:
        say("areas …")
        timed(build_areas, cur, micro, say)
        say(f"{events:,} facts over {months} months …")
        _r, s = timed(build_facts, cur, events, micro, months, now, say)
        say(f"  {s:.0f} s")
        say("workers …")
        timed(build_workers, cur, workers, micro, say)
        say("the month's events and lead orders …")
        _r, s = timed(build_month_events, cur, workers, first, last, say)
        say(f"  {s:.0f} s")
        reset_sequences(cur)
    before = (first - timedelta(days=1)).replace(day=1)
    days = [before + timedelta(days=i) for i in range((last - before).days + 1)]
    say("rollups of the month and the one before …")
    with transaction.atomic():
        _r, s = timed(rollups.refill, days)
    say(f"  {s:.0f} s")
    FillState.objects.update_or_create(name=STATE, defaults={"position": 0, "asof": now})
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
