"""Locate every row of a CSV file in one pass and append the area chain to each row."""

import csv
import math
from dataclasses import dataclass
from typing import IO

import numpy as np
from django.utils.translation import gettext as _

from wangge.errors import DomainError
from wangge.regions import coords, levels
from wangge.regions.spatial_index import get_index


@dataclass
class BulkLocateSummary:
    rows: int = 0
    located: int = 0
    outside: int = 0
    invalid: int = 0


def _number(text: str | None) -> float:
    try:
        value = float((text or "").strip())
    except ValueError:
        return math.nan
    return value


def locate_csv(
    source: IO[str],
    target: IO[str],
    *,
    lon_field: str = "lon",
    lat_field: str = "lat",
    crs: str = "wgs84",
) -> BulkLocateSummary:
    coords.to_wgs84(0, 0, crs)  # refuses an unknown crs before anything is read
    reader = csv.DictReader(source)
    header = list(reader.fieldnames or [])
    missing = [f for f in (lon_field, lat_field) if f not in header]
    if missing:
        raise DomainError.one(
            _("The CSV file has no column %(columns)s (it has: %(have)s).")
            % {"columns": ", ".join(missing), "have": ", ".join(header)},
            field=missing[0],
        )
    rows = list(reader)
    lons = np.array([_number(r.get(lon_field)) for r in rows])
    lats = np.array([_number(r.get(lat_field)) for r in rows])
    valid = np.isfinite(lons) & np.isfinite(lats) & (np.abs(lons) <= 180) & (np.abs(lats) <= 90)
    wgs_lon, wgs_lat = coords.to_wgs84_many(lons, lats, crs)
    index = get_index()
    located = np.full(len(rows), -1, dtype=np.int64)
    located[valid] = index.locate_rows(wgs_lon[valid], wgs_lat[valid])

    level_list = levels.levels()
    extra = []
    for level in level_list:
        extra += [
            _("%(level)s code") % {"level": level.name},
            _("%(level)s name") % {"level": level.name},
        ]
    status_column = _("locate result")
    writer = csv.writer(target)
    writer.writerow([*header, *extra, status_column])
    summary = BulkLocateSummary(rows=len(rows))
    for i, row in enumerate(rows):
        cells = ["" for _level in level_list for _part in (0, 1)]
        if not valid[i]:
            summary.invalid += 1
            status = _("invalid coordinates in row %(row)s: %(lon)r, %(lat)r") % {
                "row": i + 2,
                "lon": row.get(lon_field),
                "lat": row.get(lat_field),
            }
        elif located[i] < 0:
            summary.outside += 1
            found = index.locate(float(wgs_lon[i]), float(wgs_lat[i]))
            status = _("outside the jurisdiction")
            if found.nearest is not None:
                status += _("; nearest %(code)s %(name)s, %(m).0f m") % {
                    "code": found.nearest.code,
                    "name": found.nearest.name,
                    "m": found.distance_m or 0,
                }
        else:
            summary.located += 1
            status = "ok"
            for ref in index.chain(int(located[i])):
                cells[2 * (ref.level - 1)] = ref.code
                cells[2 * (ref.level - 1) + 1] = ref.name
        writer.writerow([row.get(h, "") for h in header] + cells + [status])
    return summary
