"""Notices (通知): one notice fanned out to 200,000 recipients, and the not-yet list of a
district notice to 20,000 recipients.

Builds a small area tree (256 micro-grids) and `--recipients` users with a post each (one in
ten part-time) on a throw-away PostgreSQL database (or SQLite with --sqlite), then times:

- the fan-out of a notice to every full-time and part-time post of the district (what the
  worker does when a scheduled notice falls due, and `notice_send` for one sent now);
- with a second notice to the part-time posts only (a tenth) and 60 % of them confirmed:
  the board of the district (completion per street) and its whole not-yet list.

    .venv/bin/python benchmarks/notices.py [--recipients N] [--sqlite] [--save-baseline]

Targets: fan-out of 200,000 under 30 s; not-yet list of 20,000 under 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

from common import Metric, open_django, report, timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FAN_OUT_TARGET_S = 30.0
NOT_YET_TARGET_S = 0.1


def build(recipients: int) -> None:
    from django.contrib.auth import get_user_model

    from tests.factories import make_tree
    from wangge.accounts.models import Post

    User = get_user_model()
    areas = make_tree(split=2)
    micros = sorted((a for a in areas.values() if a.level == 5), key=lambda a: a.path)
    User.objects.bulk_create(
        (User(username=f"w{i:06d}", password="!") for i in range(recipients)), batch_size=5000
    )
    ids = list(
        User.objects.filter(username__startswith="w").order_by("pk").values_list("pk", flat=True)
    )
    Post.objects.bulk_create(
        (
            Post(
                user_id=uid,
                area=micros[i % len(micros)],
                role="part_time" if i % 10 == 0 else "full_time",
            )
            for i, uid in enumerate(ids)
        ),
        batch_size=5000,
    )
    boss = User.objects.create_user("district_op", password="!", is_superuser=True)
    del boss


def measure(repeats: int = 7) -> list[Metric]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from wangge.notices import selectors, services
    from wangge.notices.models import Receipt
    from wangge.regions.models import Area

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # what autovacuum would have done after the bulk build
    boss = get_user_model().objects.get(username="district_op")
    top = Area.objects.live().filter(parent__isnull=True).order_by("code").first()
    assert top is not None
    fan_s, notice = timed(
        lambda: services.notice_send(
            sender=boss, title="全员通知", areas=[top], roles=["full_time", "part_time"]
        )
    )
    small = services.notice_send(
        sender=boss, title="兼职网格员通知", areas=[top], roles=["part_time"]
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Receipt._meta.db_table} SET done_at = %s, confirmed_at = %s, read_at = %s"
            " WHERE notice_id = %s AND id %% 10 < 6",
            [small.sent_at, small.sent_at, small.sent_at, small.pk],
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"VACUUM ANALYZE {Receipt._meta.db_table}")
    not_yet_times, board_times, page_times = [], [], []
    missing = 0
    for _ in range(repeats):
        t, rows = timed(
            lambda: list(
                selectors.not_yet(small, None, top).values_list(
                    "username", "name", "path", "role", "read_at"
                )
            )
        )
        not_yet_times.append(t)
        missing = len(rows)
        t, _b = timed(lambda: selectors.board(small, None, top))
        board_times.append(t)
        t, _p = timed(lambda: list(selectors.not_yet(small, None, top)[:200]))
        page_times.append(t)
    if connection.vendor == "postgresql":
        sql, params = (
            selectors.not_yet(small, None, top)
            .values_list("username", "name", "path", "role", "read_at")
            .query.sql_with_params()
        )
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\n".join(row[0] for row in cur.fetchall()))
    return [
        Metric("recipients fanned out", float(notice.recipient_count), "rows"),
        Metric(
            "fan-out (notice_send, one INSERT … SELECT)", fan_s, "s", target=("<", FAN_OUT_TARGET_S)
        ),
        Metric("district notice recipients", float(small.recipient_count), "rows"),
        Metric(
            "not-yet list, whole district",
            statistics.median(not_yet_times),
            "s",
            target=("<", NOT_YET_TARGET_S),
            note=f"median of {repeats}, {missing} rows",
        ),
        Metric("not-yet list, first page (200 rows)", statistics.median(page_times), "s"),
        Metric("board of the district (per street)", statistics.median(board_times), "s"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=200_000)
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite database")
    parser.add_argument("--server", default=None, help="PostgreSQL server URL")
    parser.add_argument("--save-baseline", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        open_django(stack, tmp, sqlite=args.sqlite, server=args.server)
        build_s, _ = timed(lambda: build(args.recipients))
        print(f"built: {args.recipients} users with posts in {build_s:.1f} s")
        metrics = measure()
        report(
            "notices",
            metrics,
            args.save_baseline,
            recipients=args.recipients,
            database="sqlite" if args.sqlite else "postgresql",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
