"""Conversion between WGS-84, GCJ-02 (AMap, Tencent) and BD-09 (Baidu) coordinates.

No maintained PyPI library does this well (exact inverse, vectorised), so it is written here.
The forward formulas are the widely published coordTransform ones; GCJ-02 -> WGS-84 is not
the usual one-step approximation (errors of metres) but an exact fixed-point inverse.
All functions take and return (longitude, latitude) in degrees.
"""

import math
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

CRS = Literal["wgs84", "gcj02", "bd09"]

EARTH_RADIUS_M = 6371008.8

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 obfuscation.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

# Rough mainland-China box: the standard algorithm leaves points outside it unshifted.
_LON_MIN, _LON_MAX = 73.66, 135.05
_LAT_MIN, _LAT_MAX = 3.86, 53.55

_INVERSE_TOL_DEG = 1e-9  # about 0.1 mm
_INVERSE_MAX_ITER = 30

FloatArray = NDArray[np.float64]


def _in_china(lon: float, lat: float) -> bool:
    # Written as a conjunction so that NaN counts as outside (left unchanged).
    return _LON_MIN < lon < _LON_MAX and _LAT_MIN < lat < _LAT_MAX


def _gcj_delta(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 minus WGS-84 at a WGS-84 point, ignoring the China box."""
    x, y = lon - 105.0, lat - 35.0
    # The term shared by both polynomials.
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += common
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (
        (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += common
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    # Scale the metre-like polynomial values to degrees on the ellipsoid.
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 to GCJ-02; points outside mainland China's rough box are returned unchanged."""
    if not _in_china(lon, lat):
        return lon, lat
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Exact inverse of wgs84_to_gcj02 (to about 1e-9 degree) by fixed-point iteration."""
    # The shift varies slowly (derivative << 1), so w <- w - (f(w) - g) contracts quickly.
    wlon, wlat = lon, lat
    for _ in range(_INVERSE_MAX_ITER):
        dlon, dlat = _gcj_delta(wlon, wlat)
        err_lon, err_lat = wlon + dlon - lon, wlat + dlat - lat
        if abs(err_lon) < _INVERSE_TOL_DEG and abs(err_lat) < _INVERSE_TOL_DEG:
            break
        wlon, wlat = wlon - err_lon, wlat - err_lat
    # Iterating without the box check finds preimages near its edges too (e.g. the east edge,
    # where shifted points leave the box); a preimage outside the box means no shift applied.
    if _in_china(wlon, wlat):
        return wlon, wlat
    return lon, lat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 to BD-09."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 to GCJ-02 (the standard formula; round-trips within about 0.25 m)."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 to BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 to WGS-84 (via GCJ-02, with the exact GCJ-02 inverse)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _check_crs(crs: str) -> CRS:
    known: tuple[CRS, ...] = get_args(CRS)
    for name in known:
        if crs == name:
            return name
    raise ValueError(
        f"unknown coordinate reference system {crs!r}; expected one of {', '.join(known)}"
    )


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """A point given in `crs` ("wgs84", "gcj02" or "bd09") as WGS-84; ValueError otherwise."""
    name = _check_crs(crs)
    if name == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if name == "bd09":
        return bd09_to_wgs84(lon, lat)
    return float(lon), float(lat)


# Vectorised variants (numpy), for bulk conversion; they match the scalar functions.


def _in_china_np(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    return (lon > _LON_MIN) & (lon < _LON_MAX) & (lat > _LAT_MIN) & (lat < _LAT_MAX)


def _gcj_delta_np(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Vectorised _gcj_delta; keep the two in step (the tests compare them)."""
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad_lat) * pi)
    return dlon, dlat


def _gcj02_to_wgs84_np(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(_INVERSE_MAX_ITER):
        dlon, dlat = _gcj_delta_np(wlon, wlat)
        err_lon, err_lat = wlon + dlon - lon, wlat + dlat - lat
        # `not >=` so that NaN (missing values in a CSV) does not keep the loop going.
        if not np.any(
            (np.abs(err_lon) >= _INVERSE_TOL_DEG) | (np.abs(err_lat) >= _INVERSE_TOL_DEG)
        ):
            break
        wlon, wlat = wlon - err_lon, wlat - err_lat
    inside = _in_china_np(wlon, wlat)
    return np.where(inside, wlon, lon), np.where(inside, wlat, lat)


def _bd09_to_gcj02_np(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def to_wgs84_many(lons: ArrayLike, lats: ArrayLike, crs: str) -> tuple[FloatArray, FloatArray]:
    """Vectorised to_wgs84: arrays of longitudes and latitudes in `crs` as WGS-84 arrays."""
    name = _check_crs(crs)
    lon, lat = np.broadcast_arrays(
        np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)
    )
    if name == "bd09":
        lon, lat = _bd09_to_gcj02_np(lon, lat)
    if name in ("gcj02", "bd09"):
        return _gcj02_to_wgs84_np(lon, lat)
    return lon.copy(), lat.copy()


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle (haversine) distance in metres on a sphere of radius EARTH_RADIUS_M."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
