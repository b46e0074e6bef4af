"""Locate every row of a CSV file in one pass and append the area chain to each row."""

import codecs
import csv
import math
import re
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


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def decode_csv(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without a BOM) or GBK/GB18030, as Excel in China
    saves them. A file that is UTF-8 but for a few stray bytes is refused naming the row,
    rather than read as GBK and garbled."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if data.startswith(codecs.BOM_UTF8) or _mostly_utf8(data):
        raise _undecodable(data, utf8_error.start, "UTF-8")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc.start, "GBK") from None


def _mostly_utf8(data: bytes) -> bool:
    # GBK text decoded as UTF-8 almost never forms valid multi-byte sequences.
    valid = sum(1 for m in _UTF8_MULTIBYTE.finditer(data) if _is_utf8(m.group()))
    invalid = len(data.decode("utf-8", errors="replace").split("\ufffd")) - 1
    return valid > invalid


def _is_utf8(chunk: bytes) -> bool:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _undecodable(data: bytes, offset: int, encoding: str) -> DomainError:
    row = data.count(b"\n", 0, offset) + 1
    return DomainError.one(
        _("Row %(row)s of the file is not valid %(encoding)s text (byte %(byte)s).")
        % {"row": row, "encoding": encoding, "byte": data[offset : offset + 1].hex()},
        field="encoding",
        code="encoding",
    )


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
