"""`wangge areas import --dry-run | --dissolve-by`, `areas undo`, `areas batches` and
`wangge locate --csv` on files as Excel in China saves them, run in-process."""

import csv
import json
import re
from pathlib import Path

import pytest

from tests.cli import run
from tests.factories import ORIGIN, make_tree, square
from tests.regions.geojson import collection, feature, rect, version
from wangge.regions import services, spatial_index
from wangge.regions.models import Area, ImportBatch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setenv("WANGGE_LANGUAGE", "en")


@pytest.fixture
def district(db):
    return services.area_create(code="330103", name="测试区", geom=square(0, 0, 0.02))


def _geojson(path: Path, data: dict) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _grids(tmp_path: Path) -> str:
    return _geojson(
        tmp_path / "grids.geojson",
        collection(
            feature("G1", "甲", rect(0, 0, 0.01, 0.01), street="S1", sn="西街道"),
            feature("G2", "乙", rect(0, 0.01, 0.01, 0.01), street="S1", sn="西街道"),
            feature("G3", "丙", rect(0.01, 0, 0.01, 0.02), street="S2", sn="东街道"),
        ),
    )


def test_dry_run_then_import_then_undo(district, tmp_path, capsys):
    path = _grids(tmp_path)
    args = ["areas", "import", path, "--parent-code", "330103", "--renumber"]
    args += ["--dissolve-by", "street", "--dissolve-name-field", "sn"]
    stamp = version()

    code, out, err = run(capsys, *args, "--dry-run")
    assert code == 0, err
    assert "Dry run, nothing written" in out
    assert re.findall(r"\d+", out.splitlines()[0]) == ["5", "0", "0"]
    assert "  + 330103001\t街道\t西街道\t330103" in out.splitlines()
    assert Area.objects.count() == 1 and version() == stamp
    assert not ImportBatch.objects.exists()

    code, out, err = run(capsys, *args)
    assert code == 0, err
    batch = ImportBatch.objects.get()
    assert f"wangge areas undo {batch.pk}" in out
    assert Area.objects.get(code="330103002").name == "东街道"
    assert Area.objects.get(code="330103002001").source_code == "G3"

    code, out, err = run(capsys, "areas", "batches")
    assert code == 0, err
    assert re.search(rf"^{batch.pk}\t.*\tgrids.geojson\t5 created, 0 updated$", out, re.M)

    code, out, err = run(capsys, "areas", "undo", str(batch.pk))
    assert code == 0, err
    assert "5 areas removed" in out
    assert list(Area.objects.values_list("code", flat=True)) == ["330103"]

    code, out, err = run(capsys, "areas", "undo", str(batch.pk))
    assert code == 1 and "already undone" in err
    code, out, err = run(capsys, "areas", "batches")
    assert out.rstrip().endswith("undone")


def test_undo_refused_names_what_refers_to_the_areas(district, tmp_path, capsys):
    from tests.factories import make_user, post

    code, _out, err = run(capsys, "areas", "import", _grids(tmp_path), "--parent-code", "330103")
    assert code == 1  # G1 does not extend 330103: refused, nothing written
    assert not ImportBatch.objects.exists()
    code, _out, err = run(
        capsys, "areas", "import", _grids(tmp_path), "--parent-code", "330103", "--renumber"
    )
    assert code == 0, err
    batch = ImportBatch.objects.get()
    post(make_user(), Area.objects.get(code="330103001"))
    code, _out, err = run(capsys, "areas", "undo", str(batch.pk))
    assert code == 1
    assert "cannot be undone" in err and "accounts.Post.area" in err and "330103001" in err
    assert Area.objects.count() == 4


def test_a_parent_at_the_deepest_level_is_refused_without_a_traceback(db, tmp_path, capsys):
    make_tree(split=1)
    deepest = Area.objects.get(level=5)
    path = _geojson(tmp_path / "x.geojson", collection(feature("X", "甲", rect(0, 0, 0.01, 0.01))))
    code, _out, err = run(
        capsys, "areas", "import", path, "--parent-code", deepest.code, "--renumber"
    )
    assert code == 1
    assert "nothing written" in err and "deepest configured level" in err
    assert "Traceback" not in err


def test_a_projected_file_is_refused(district, tmp_path, capsys):
    data = collection(feature("330103001", "西", rect(0, 0, 0.01, 0.02)))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2263"}}
    code, _out, err = run(capsys, "areas", "import", _geojson(tmp_path / "sp.geojson", data))
    assert code == 1
    assert "urn:ogc:def:crs:EPSG::2263" in err and "ogr2ogr" in err
    assert Area.objects.count() == 1


# -- locate --csv: encodings -------------------------------------------------------------------
@pytest.fixture
def tree(db, settings):
    settings.WANGGE_INDEX_CHECK_SECONDS = 0
    spatial_index.invalidate()
    yield make_tree(split=1)
    spatial_index.invalidate()


ROWS = [["编号", "经度", "纬度", "备注"], ["E1", "", "", "路边“暴露”垃圾"]]


def _rows() -> list[list[str]]:
    inside = (str(ORIGIN[0] + 0.01), str(ORIGIN[1] + 0.01))
    return [ROWS[0], ["E1", *inside, ROWS[1][3]], ["E2", "120.0", "10.0", "外面"]]


def _text(rows: list[list[str]]) -> str:
    return "".join(",".join(r) + "\r\n" for r in rows)


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"], ids=["utf8", "bom", "gbk", "gb18030"]
)
def test_locate_csv_reads_utf8_bom_and_gbk_files(tree, tmp_path, capsys, encoding):
    source = tmp_path / "events.csv"
    source.write_bytes(_text(_rows()).encode(encoding))
    target = tmp_path / "out.csv"
    code, _out, err = run(
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
    assert re.findall(r"\d+", err.strip().splitlines()[-1]) == ["2", "1", "1", "0"]
    with target.open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    assert header[:4] == ROWS[0]
    assert [r[3] for r in rows] == ["路边“暴露”垃圾", "外面"]
    assert rows[0][4] == "330103" and rows[0][-1] == "ok"


def test_locate_csv_with_a_stray_byte_in_utf8_names_the_row(tree, tmp_path, capsys):
    # One Windows-1252 apostrophe (0x92) in an otherwise UTF-8 file: refused, not read as GBK.
    data = _text(_rows()).encode("utf-8") + b"E3,120.1,30.2,Driver" + b"\x92s\r\n"
    source = tmp_path / "events.csv"
    source.write_bytes(data)
    code, out, err = run(capsys, "locate", "--csv", str(source), "--lon-field", "经度")
    assert code == 1
    assert "Row 4" in err and "UTF-8" in err and "92" in err
    assert out == ""


def test_locate_csv_of_undecodable_gbk_names_the_row(tree, tmp_path, capsys):
    data = _text(_rows()).encode("gbk") + b"E3,120.1,30.2,\x81\r\n"
    source = tmp_path / "events.csv"
    source.write_bytes(data)
    code, _out, err = run(capsys, "locate", "--csv", str(source))
    assert code == 1
    assert "Row 4" in err and "GBK" in err
