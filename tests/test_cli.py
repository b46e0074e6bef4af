"""The `wangge` console command, run in-process (and `serve` as a real subprocess)."""

import csv
import getpass
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.utils import translation

from tests.cli import run
from tests.factories import ORIGIN, make_tree, square
from wangge.accounts.models import Post
from wangge.regions import coords, levels, services, spatial_index
from wangge.regions.models import Area, AreaTreeVersion

STRONG_PASSWORD = "Wangge-Str0ng-Passw0rd!"
# make_tree's micro-grids: 0.005° squares on a 16 × 16 lattice from ORIGIN.
STEP = 0.08 / 16


def tree_version() -> int:
    row = AreaTreeVersion.objects.filter(pk=1).first()
    return row.version if row else 0


def snapshot() -> tuple:
    """Everything a refused or no-op command must leave alone."""
    return (
        sorted(Area.objects.values_list("code", "name", "level", "source_code", "geometry")),
        Post.objects.count(),
        sorted(get_user_model().objects.values_list("username", flat=True)),
        tree_version(),
    )


def cell_centre(i: int, j: int) -> tuple[float, float]:
    return ORIGIN[0] + (i + 0.5) * STEP, ORIGIN[1] + (j + 0.5) * STEP


def expected_chain(lon: float, lat: float) -> list[str]:
    """Codes of the micro-grid covering the point and its ancestors, deepest first."""
    from shapely.geometry import Point

    from wangge.regions import geometry

    point = Point(lon, lat)
    micro = [
        a
        for a in Area.objects.live().filter(level=5)
        if geometry.from_geojson(a.geometry).contains(point)
    ]
    assert len(micro) == 1
    return [micro[0].code, *reversed(micro[0].ancestor_codes)]


@pytest.fixture(autouse=True)
def _restore_language():
    """cli.main() activates a language for this thread; do not let it leak."""
    yield
    translation.deactivate()


@pytest.fixture
def fresh_index(settings):
    settings.WANGGE_INDEX_CHECK_SECONDS = 0
    spatial_index.invalidate()
    yield
    spatial_index.invalidate()


@pytest.fixture
def tree(db, fresh_index):
    return make_tree()


# -- demo ----------------------------------------------------------------------------------
def _password(out: str) -> str:
    found = re.findall(r"(demo-[0-9a-f]{8})\s*$", out, flags=re.MULTILINE)
    assert len(found) == 1, out
    return found[0]


def _listed_accounts(out: str) -> list[str]:
    return re.findall(r"^\s+(demo-[a-z]+-[0-9][0-9-]*)\s", out, flags=re.MULTILINE)


def test_demo_sample_builds_the_sample_district_once(db, capsys):
    code, out, err = run(capsys, "demo", "--sample")
    assert code == 0, err
    assert {a.level for a in Area.objects.live()} == {1, 2, 3, 4, 5}
    assert Area.objects.filter(level=1).get().code == "330103"
    assert Area.objects.filter(level=5).exists()
    assert Post.objects.exists()
    # Every file of the sample is reported, and the micro-grid count printed is the real one.
    for filename in ("district_boundary", "streets", "communities", "grids"):
        assert f"{filename}.geojson" in out
    assert str(Area.objects.filter(level=5).count()) in out
    password = _password(out)
    accounts = _listed_accounts(out)
    assert len(accounts) >= 5, out
    for username in accounts:
        user = authenticate(username=username, password=password)
        assert user is not None, username
        assert Post.objects.filter(user=user).exists(), username
    assert authenticate(username=accounts[0], password="demo-00000000") is None
    before = snapshot()

    # A second run refuses politely and changes nothing.
    code, out, err = run(capsys, "demo")
    assert code == 1
    assert "--reset" in err
    assert out == ""
    assert snapshot() == before

    # --if-empty is content with a database that holds areas.
    code, out, err = run(capsys, "demo", "--if-empty")
    assert code == 0
    assert out.strip() and err == ""
    assert snapshot() == before


def test_demo_reset_rebuilds_the_same_district(db, capsys):
    get_user_model().objects.create_user("zhang", password=STRONG_PASSWORD)
    code, first_out, _err = run(capsys, "demo", "--sample")
    assert code == 0
    first = sorted(Area.objects.live().values_list("code", "name", "level", "source_code"))
    first_users = sorted(get_user_model().objects.values_list("username", flat=True))
    first_posts = Post.objects.count()
    version = tree_version()

    code, out, err = run(capsys, "demo", "--reset", "--sample")
    assert code == 0, err
    # Deterministic: the same codes and names, the same staff.
    assert sorted(Area.objects.live().values_list("code", "name", "level", "source_code")) == first
    assert Area.objects.count() == len(first)  # the old tree is gone, not ended beside
    assert sorted(get_user_model().objects.values_list("username", flat=True)) == first_users
    assert "zhang" in first_users  # users that are not demo users stay
    assert Post.objects.count() == first_posts
    assert tree_version() > version
    # A fresh password; the new one works (and the old one no longer does).
    old, new = _password(first_out), _password(out)
    account = _listed_accounts(out)[0]
    assert authenticate(username=account, password=new) is not None
    if old != new:
        assert authenticate(username=account, password=old) is None


# -- areas import / export -------------------------------------------------------------------
def _feature(props: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _polygon(x0: float, y0: float, size: float) -> dict:
    return json.loads(json.dumps(square(x0, y0, size).geoms[0].__geo_interface__))


def _write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def district(db):
    return services.area_create(code="330103", name="测试区", geom=square(0, 0, 0.08))


def _grids_file(tmp_path: Path) -> Path:
    return _write_geojson(
        tmp_path / "grids.geojson",
        [
            _feature({"网格编号": "WG-1", "所属组织": "东郊第一网格"}, _polygon(0, 0, 0.04)),
            _feature({"网格编号": "WG-2", "所属组织": "东郊第二网格"}, _polygon(0.04, 0, 0.04)),
        ],
    )


def test_areas_import_with_mapped_fields_and_renumbering(district, tmp_path, capsys):
    path = _grids_file(tmp_path)
    args = ["areas", "import", str(path), "--code-field", "网格编号", "--name-field", "所属组织"]
    code, out, err = run(capsys, *args, "--parent-code", "330103", "--renumber")
    assert code == 0, err
    children = list(Area.objects.live().filter(parent=district).order_by("code"))
    assert [(a.code, a.source_code, a.name, a.level) for a in children] == [
        ("330103001", "WG-1", "东郊第一网格", 2),
        ("330103002", "WG-2", "东郊第二网格", 2),
    ]
    assert re.findall(r"\d+", out.splitlines()[0]) == ["2", "0", "0"]
    version = tree_version()

    # The same file again: nothing created, nothing moved.
    code, out, err = run(capsys, *args, "--parent-code", "330103", "--renumber")
    assert code == 0, err
    assert re.findall(r"\d+", out.splitlines()[0]) == ["0", "0", "2"]
    assert Area.objects.count() == 3
    assert tree_version() == version


def test_areas_import_refuses_a_point_and_writes_nothing(district, tmp_path, capsys):
    path = _write_geojson(
        tmp_path / "bad.geojson",
        [
            _feature({"网格编号": "WG-1", "所属组织": "东郊第一网格"}, _polygon(0, 0, 0.04)),
            _feature(
                {"网格编号": "WG-2", "所属组织": "东郊第二网格"},
                {"type": "Point", "coordinates": [120.12, 30.22]},
            ),
        ],
    )
    before = snapshot()
    code, out, err = run(
        capsys,
        "areas",
        "import",
        str(path),
        "--code-field",
        "网格编号",
        "--name-field",
        "所属组织",
        "--parent-code",
        "330103",
        "--renumber",
    )
    assert code == 1
    assert out == ""
    problems = [line for line in err.splitlines() if "geometry" in line]
    assert len(problems) == 1, err
    assert "2" in problems[0]  # the feature's number
    assert "Point" in problems[0]  # the reason
    assert snapshot() == before


def test_areas_import_refuses_an_empty_mapped_field(district, tmp_path, capsys):
    path = _write_geojson(
        tmp_path / "noname.geojson",
        [_feature({"网格编号": "WG-1", "所属组织": ""}, _polygon(0, 0, 0.04))],
    )
    before = snapshot()
    code, _out, err = run(
        capsys,
        "areas",
        "import",
        str(path),
        "--code-field",
        "网格编号",
        "--name-field",
        "所属组织",
        "--parent-code",
        "330103",
    )
    assert code == 1
    assert "所属组织" in err and "1" in err
    assert snapshot() == before


def test_areas_import_refuses_an_unknown_parent(district, tmp_path, capsys):
    before = snapshot()
    code, _out, err = run(
        capsys,
        "areas",
        "import",
        str(_grids_file(tmp_path)),
        "--code-field",
        "网格编号",
        "--name-field",
        "所属组织",
        "--parent-code",
        "999999",
        "--renumber",
    )
    assert code == 1
    assert "999999" in err
    assert snapshot() == before


def test_areas_import_of_a_missing_file(district, tmp_path, capsys):
    missing = tmp_path / "nowhere.geojson"
    before = snapshot()
    code, out, err = run(capsys, "areas", "import", str(missing))
    assert code == 2
    assert str(missing) in err
    assert out == ""
    assert snapshot() == before


@pytest.mark.parametrize("suffix", [".geojson", ".xlsx"])
def test_areas_export_imports_back_unchanged(tree, tmp_path, capsys, suffix):
    count = Area.objects.live().count()
    path = tmp_path / f"export{suffix}"
    code, out, err = run(capsys, "areas", "export", str(path))
    assert code == 0, err
    assert path.is_file()
    assert str(count) in out
    before = snapshot()

    code, out, err = run(capsys, "areas", "import", str(path))
    assert code == 0, err
    assert re.findall(r"\d+", out.splitlines()[0]) == ["0", "0", str(count)]
    assert snapshot() == before


def test_areas_export_of_a_subtree(tree, tmp_path, capsys):
    street = Area.objects.live().filter(level=2).order_by("code").first()
    path = tmp_path / "street.geojson"
    code, _out, err = run(capsys, "areas", "export", str(path), "--root", street.code)
    assert code == 0, err
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    assert len(features) == Area.objects.live().subtree(street).count() == 1 + 4 + 16 + 64
    assert all(f["properties"]["code"].startswith(street.code) for f in features)

    code, _out, err = run(capsys, "areas", "export", str(tmp_path / "x.geojson"), "--root", "0")
    assert code == 1
    assert "0" in err
    assert not (tmp_path / "x.geojson").exists()


def test_areas_export_to_an_unwritable_path_is_a_clear_error(tree, tmp_path, capsys):
    target = tmp_path / "no-such-folder" / "areas.xlsx"
    code, _out, err = run(capsys, "areas", "export", str(target))
    assert code == 1
    assert "no-such-folder" in err and "Traceback" not in err


# -- locate ------------------------------------------------------------------------------------
def _chain_codes(out: str) -> list[str]:
    return [line.split("\t")[0] for line in out.splitlines() if line.strip()]


def test_locate_prints_the_chain_deepest_first(tree, capsys):
    lon, lat = cell_centre(5, 3)
    code, out, err = run(capsys, "locate", str(lon), str(lat))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 5
    assert _chain_codes(out) == expected_chain(lon, lat)
    assert [line.split("\t")[1] for line in lines] == [lv.name for lv in levels.levels()][::-1]
    assert lines[-1].split("\t") == ["330103", levels.level_name(1), "测试区"]


def test_locate_outside_prints_the_nearest_area(tree, capsys):
    # 0.001° south of the south-west micro-grid: about 111 m.
    lon, lat = cell_centre(0, 0)[0], ORIGIN[1] - 0.001
    code, out, err = run(capsys, "locate", str(lon), str(lat))
    assert code == 3, err
    nearest = expected_chain(*cell_centre(0, 0))[0]
    assert nearest in out
    metres = [int(n) for n in re.findall(r"(\d+)\s*(?:m|米)", out)]
    assert metres and 100 <= metres[-1] <= 125, out


def test_locate_converts_gcj02(tree, capsys):
    lon, lat = cell_centre(5, 5)
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    code, out, err = run(capsys, "locate", f"{glon:.9f}", f"{glat:.9f}", "--crs", "gcj02")
    assert code == 0, err
    assert _chain_codes(out) == expected_chain(lon, lat)
    # Read as WGS-84 the same numbers land hundreds of metres away, in another micro-grid.
    code, out, _err = run(capsys, "locate", f"{glon:.9f}", f"{glat:.9f}")
    assert code != 0 or _chain_codes(out)[0] != expected_chain(lon, lat)[0]


def test_locate_without_a_point(tree, capsys):
    code, out, err = run(capsys, "locate")
    assert code == 2
    assert "--csv" in err
    assert out == ""


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as f:  # with a BOM, as Excel writes
        csv.writer(f).writerows(rows)
    return path


def test_locate_csv(tree, tmp_path, capsys):
    inside_a, inside_b = cell_centre(1, 2), cell_centre(12, 9)
    outside = (ORIGIN[0] - 0.01, cell_centre(0, 2)[1])
    source = _write_csv(
        tmp_path / "events.csv",
        [
            ["编号", "经度", "纬度", "备注"],
            ["E1", str(inside_a[0]), str(inside_a[1]), "甲"],
            ["E2", str(outside[0]), str(outside[1]), "乙"],
            ["E3", "abc", "", "丙"],
            ["E4", str(inside_b[0]), str(inside_b[1]), "丁, 带逗号"],
        ],
    )
    target = tmp_path / "located.csv"
    code, out, err = run(
        capsys,
        "locate",
        "--csv",
        str(source),
        "--lon-field",
        "经度",
        "--lat-field",
        "纬度",
        "-o",
        str(target),
    )
    assert code == 0, err
    assert out == ""
    assert re.findall(r"\d+", err.strip().splitlines()[-1]) == ["4", "2", "1", "1"]

    with target.open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    level_list = levels.levels()
    assert len(header) == 4 + 2 * len(level_list) + 1
    assert header[:4] == ["编号", "经度", "纬度", "备注"]
    for k, level in enumerate(level_list):
        assert level.name in header[4 + 2 * k]
        assert level.name in header[5 + 2 * k]
        assert header[4 + 2 * k] != header[5 + 2 * k]
    assert [r[0] for r in rows] == ["E1", "E2", "E3", "E4"]
    assert [r[3] for r in rows] == ["甲", "乙", "丙", "丁, 带逗号"]
    assert all(len(r) == len(header) for r in rows)

    names = dict(Area.objects.values_list("code", "name"))
    for row, point in ((rows[0], inside_a), (rows[3], inside_b)):
        chain = expected_chain(*point)[::-1]  # top first, as the columns go
        assert row[4::2][: len(level_list)] == chain
        assert row[5::2][: len(level_list)] == [names[c] for c in chain]
        assert row[-1] == "ok"
    # Outside: no codes, the nearest area named in the result.
    assert rows[1][4:-1] == [""] * 2 * len(level_list)
    assert expected_chain(*cell_centre(0, 2))[0] in rows[1][-1]
    # Garbage: not fatal, and the result names its row (the header is row 1) and values.
    assert rows[2][4:-1] == [""] * 2 * len(level_list)
    assert "4" in rows[2][-1] and "abc" in rows[2][-1]


def test_locate_csv_to_stdout_in_gcj02(tree, tmp_path, capsys):
    lon, lat = cell_centre(7, 7)
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    source = _write_csv(tmp_path / "p.csv", [["lon", "lat"], [f"{glon:.9f}", f"{glat:.9f}"]])
    code, out, err = run(capsys, "locate", "--csv", str(source), "--crs", "gcj02")
    assert code == 0, err
    header, row = list(csv.reader(io.StringIO(out)))
    assert header[:2] == ["lon", "lat"] and len(row) == len(header)
    assert row[2::2][: levels.depth()] == expected_chain(lon, lat)[::-1]
    assert row[-1] == "ok"


def test_locate_csv_missing_column(tree, tmp_path, capsys):
    source = _write_csv(tmp_path / "p.csv", [["x", "纬度"], ["120.1", "30.2"]])
    code, out, err = run(
        capsys, "locate", "--csv", str(source), "--lon-field", "经度", "--lat-field", "纬度"
    )
    assert code == 1
    assert "经度" in err
    assert out == ""


def test_locate_csv_missing_file(tree, tmp_path, capsys):
    code, out, err = run(capsys, "locate", "--csv", str(tmp_path / "nowhere.csv"))
    assert code == 1
    assert "nowhere.csv" in err
    assert out == ""

    # A missing input leaves an existing output alone; an unwritable output is an error too.
    kept = tmp_path / "kept.csv"
    kept.write_text("precious", encoding="utf-8")
    code, _out, err = run(capsys, "locate", "--csv", str(tmp_path / "nowhere.csv"), "-o", str(kept))
    assert code == 1
    assert kept.read_text(encoding="utf-8") == "precious"
    source = _write_csv(tmp_path / "p.csv", [["lon", "lat"], ["120.1", "30.2"]])
    code, _out, err = run(
        capsys, "locate", "--csv", str(source), "-o", str(tmp_path / "no" / "dir" / "o.csv")
    )
    assert code == 1
    assert "o.csv" in err


# -- createadmin --------------------------------------------------------------------------------
def test_createadmin_creates_a_superuser(db, capsys, monkeypatch):
    monkeypatch.delenv("WANGGE_ADMIN_PASSWORD", raising=False)
    code, out, err = run(
        capsys, "createadmin", "--username", "chief", "--password", STRONG_PASSWORD
    )
    assert code == 0, err
    assert "chief" in out
    assert "WANGGE_ADMIN_PASSWORD" in err  # warned: the command line is not private
    user = get_user_model().objects.get(username="chief")
    assert user.is_superuser and user.is_staff
    assert authenticate(username="chief", password=STRONG_PASSWORD) == user

    code, out, err = run(
        capsys, "createadmin", "--username", "chief", "--password", STRONG_PASSWORD + "x"
    )
    assert code == 1
    assert "chief" in err
    assert get_user_model().objects.filter(username="chief").count() == 1
    assert authenticate(username="chief", password=STRONG_PASSWORD) == user


@pytest.mark.parametrize("weak", ["123", "password", "12345678901"])
def test_createadmin_refuses_a_weak_password(db, capsys, weak):
    code, out, err = run(capsys, "createadmin", "--username", "chief", "--password", weak)
    assert code == 1
    assert err.strip()
    assert out == ""
    assert not get_user_model().objects.filter(username="chief").exists()


def test_createadmin_password_from_environment(db, capsys, monkeypatch):
    monkeypatch.setenv("WANGGE_ADMIN_PASSWORD", STRONG_PASSWORD)
    code, _out, err = run(capsys, "createadmin", "--username", "chief")
    assert code == 0, err
    assert err == ""  # no warning without --password
    assert authenticate(username="chief", password=STRONG_PASSWORD) is not None


def test_createadmin_prompt_must_match(db, capsys, monkeypatch):
    monkeypatch.delenv("WANGGE_ADMIN_PASSWORD", raising=False)
    answers = iter([STRONG_PASSWORD, STRONG_PASSWORD + "?"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    code, _out, err = run(capsys, "createadmin", "--username", "chief")
    assert code == 1
    assert err.strip()
    assert not get_user_model().objects.filter(username="chief").exists()


# -- serve --------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


# Migrating a fresh database and collecting static files take ~5 s on an idle machine and
# several times that on a loaded one: wait generously, polling, and say what the server said.
SERVE_START_SECONDS = 180


def test_serve(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANGGE_")}
    env.update(
        WANGGE_DATA_DIR=str(tmp_path),
        WANGGE_SECRET_KEY="test-serve-" + "x" * 40,
        DJANGO_SETTINGS_MODULE="wangge.settings",
        PYTHONUNBUFFERED="1",
    )
    # Output to files, not pipes: nobody reads a pipe while we wait, and a full one stalls.
    out_path, err_path = tmp_path / "serve.out", tmp_path / "serve.err"

    def output() -> str:
        return f"stdout:\n{out_path.read_text()}\nstderr:\n{err_path.read_text()}"

    with out_path.open("w") as out_file, err_path.open("w") as err_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wangge.cli", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out_file,
            stderr=err_file,
            text=True,
        )
    try:
        deadline = time.monotonic() + SERVE_START_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"wangge serve exited with {proc.returncode}\n{output()}")
            try:
                status, _headers, body = _get(f"{base}/login/")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"wangge serve did not answer in {SERVE_START_SECONDS} s\n{output()}"
                    )
                time.sleep(0.3)
        assert status == 200
        assert 'lang="zh-hans"' in body.decode("utf-8")
        assert (tmp_path / "wangge.sqlite3").is_file()

        status, _headers, body = _get(f"{base}/static/vendor/leaflet/leaflet.js")
        assert status == 200
        assert b"Leaflet" in body or b"leaflet" in body

        try:  # the API's document is for logged-in users only
            status, _headers, body = _get(f"{base}/api/openapi.json")
        except urllib.error.HTTPError as refused:
            status = refused.code
        assert status == 404
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert f"Wangge: http://127.0.0.1:{port}/" in out_path.read_text().splitlines(), output()
    assert proc.returncode == 0, output()
