"""Campaign coverage (专项排查): opening a campaign over every household of the district and
the coverage of every grid, live, as the command centre's page asks for it.

`measure()` runs against whatever database Django is set up with, holding areas and
households already (benchmarks/fieldwork.py builds 400,000 households and calls it). Run
standalone, this file builds a small district of its own first (default 20,000 households) on
a throw-away PostgreSQL database (or SQLite with --sqlite) to show it works:

    .venv/bin/python benchmarks/fieldwork_coverage.py [--households N] [--sqlite] [--save-baseline]

Target: coverage by grid for the whole district under 1 s (at 400,000 households).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from common import Metric, metrics_doc, open_django, print_table, save_run, timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GRID_LEVEL = 4
COVERAGE_TARGET_S = 1.0


def measure(*, repeats: int = 7, done_share: float = 0.6, keep: bool = False) -> list[Metric]:
    """Define and open a campaign over every household of the district, mark a share done
    (and some not reachable), then time coverage by grid for the whole district, the
    missing list's first page and a refresh with nothing to change. The campaign is deleted
    afterwards unless `keep`."""
    from django.db import connection, transaction

    from wangge.accounts.actors import SYSTEM
    from wangge.fieldwork.campaigns import coverage as campaign_coverage
    from wangge.fieldwork.campaigns import services as campaigns
    from wangge.fieldwork.models import Campaign, CampaignTarget
    from wangge.regions.models import Area

    top = Area.objects.live().filter(parent__isnull=True).order_by("code").first()
    if top is None:
        raise SystemExit("no areas: build a district first")
    today = dt.date.today()
    campaign = campaigns.campaign_define(
        actor=SYSTEM,
        title="流动人员信息排查 (benchmark)",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        area_codes=[top.code],
        fields=[{"name": "n", "label": "在住人数", "type": "number", "required": True}],
    )
    try:
        open_s, targets = timed(lambda: campaigns.campaign_open(actor=SYSTEM, campaign=campaign))
        # Mark a share done and 3 % not reachable, set-based, spread over every grid.
        with transaction.atomic():
            cut_done = int(done_share * 100)
            rows = CampaignTarget.objects.filter(campaign=campaign)
            with connection.cursor() as cur:
                table = CampaignTarget._meta.db_table
                cur.execute(
                    f"UPDATE {table} SET status = 'done' WHERE campaign_id = %s AND id %% 100 < %s",
                    [campaign.pk, cut_done],
                )
                cur.execute(
                    f"UPDATE {table} SET status = 'unreachable', reason = 'x'"
                    " WHERE campaign_id = %s AND id %% 100 >= %s AND id %% 100 < %s",
                    [campaign.pk, cut_done, cut_done + 3],
                )
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f"VACUUM ANALYZE {CampaignTarget._meta.db_table}")
        times: list[float] = []
        grids = 0
        for _ in range(repeats):

            def by_grid() -> int:
                cov = campaign_coverage.coverage(campaign)
                return len(campaign_coverage.at_level(GRID_LEVEL, SYSTEM, cov))

            elapsed, grids = timed(by_grid)
            times.append(elapsed)
        missing_s, _rows = timed(
            lambda: list(
                rows.filter(status="pending", left_at__isnull=True)
                .select_related("area", "household")
                .order_by("area__path", "address", "id")[:100]
            )
        )
        with transaction.atomic():
            refresh_s, result = timed(
                lambda: campaigns.campaign_refresh(actor=SYSTEM, campaign=campaign)
            )
        best, median = min(times), statistics.median(times)
        return [
            Metric("campaign targets", float(targets), "rows"),
            Metric("open campaign (materialise targets)", open_s, "s"),
            Metric(
                "coverage by grid, whole district",
                median,
                "s",
                target=("<", COVERAGE_TARGET_S),
                note=f"median of {repeats}, best {best:.3f} s, {grids} grids",
            ),
            Metric("missing list, first 100", missing_s, "s"),
            Metric(
                "refresh, nothing changed",
                refresh_s,
                "s",
                note=f"added {result.added}, left {result.left}",
            ),
        ]
    finally:
        if not keep:
            Campaign.objects.filter(pk=campaign.pk).delete()


# -- standalone: a small district -----------------------------------------------------------
def build_district(households: int) -> None:
    """A 5-level test tree (2×2 split: 256 micro-grids, 64 grids) and `households` households spread
    over it, written in bulk."""
    import random

    from tests.factories import make_tree
    from wangge.people.models import Building, House, Household

    areas = make_tree(split=2)
    micros = [a for a in areas.values() if a.level == 5]
    rng = random.Random(330103)
    per_building = 24
    buildings, houses, hhs = [], [], []
    for i in range(0, households, per_building):
        m = micros[(i // per_building) % len(micros)]
        lon = (m.centroid_lon or 120.1) + rng.uniform(-1e-4, 1e-4)
        lat = (m.centroid_lat or 30.2) + rng.uniform(-1e-4, 1e-4)
        buildings.append(
            Building(code=f"B{i}", name=f"{i}幢", area=m, lon=lon, lat=lat, address=f"测试路{i}号")
        )
    Building.objects.bulk_create(buildings, batch_size=2000)
    by_code = {b.code: b for b in Building.objects.all()}
    for i in range(households):
        b = by_code[f"B{i - i % per_building}"]
        houses.append(
            House(
                code=f"H{i}",
                building=b,
                area_id=b.area_id,
                lon=b.lon,
                lat=b.lat,
                address=f"{b.address}{i % per_building + 1}室",
            )
        )
    House.objects.bulk_create(houses, batch_size=2000)
    for h in House.objects.all().iterator(chunk_size=5000):
        hhs.append(
            Household(
                code=f"HH{h.code[1:]}",
                house=h,
                area_id=h.area_id,
                lon=h.lon,
                lat=h.lat,
                address=h.address,
            )
        )
    Household.objects.bulk_create(hhs, batch_size=2000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite database")
    parser.add_argument("--server", default=None, help="PostgreSQL server URL")
    parser.add_argument("--save-baseline", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        open_django(stack, tmp, sqlite=args.sqlite, server=args.server)
        build_s, _ = timed(lambda: build_district(args.households))
        print(f"district built: {args.households} households in {build_s:.1f} s")
        metrics = measure()
        import json

        baseline_path = HERE / "baseline" / "fieldwork_coverage.json"
        baseline = (
            json.loads(baseline_path.read_text())["metrics"] if baseline_path.exists() else {}
        )
        print_table(metrics, baseline)
        now = datetime.now(UTC)
        doc = {
            "at": now.isoformat(),
            "households": args.households,
            "database": "sqlite" if args.sqlite else "postgresql",
            "metrics": metrics_doc(metrics),
        }
        save_run("fieldwork_coverage", doc, now, args.save_baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
