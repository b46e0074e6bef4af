"""`wangge campaigns …` in-process, and the demo's campaign."""

import io
import json

from openpyxl import load_workbook

from tests.fieldwork import campaign_world as helpers
from tests.fieldwork.campaign_world import FORM, World
from wangge import cli
from wangge.dev import campaign as campaign_demo
from wangge.fieldwork.campaigns import coverage as campaign_coverage
from wangge.fieldwork.models import Campaign, CampaignSubmission, CampaignTarget

world = helpers.world
_campaign_env = helpers._campaign_env


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_define_open_coverage_refresh_export(world: World, capsys, tmp_path) -> None:
    spec = tmp_path / "campaign.json"
    spec.write_text(
        json.dumps(
            {
                "title": "流动人员信息排查",
                "starts_on": "2026-01-01",
                "ends_on": "2026-12-31",
                "areas": ["330103"],
                "fields": FORM,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"title": "x", "areas": ["330103"], "fields": []}))
    code, _out, err = run(capsys, "campaigns", "define", str(bad))
    assert code == 1 and "starts_on" in err and "fields" in err
    code, out, _err = run(capsys, "campaigns", "define", str(spec))
    assert code == 0
    pk = Campaign.objects.get().pk
    assert run(capsys, "campaigns", "open", str(pk))[0] == 0
    assert CampaignTarget.objects.filter(campaign_id=pk).count() == 3
    code, out, _err = run(capsys, "campaigns", "coverage", str(pk), "--level", "4", "--missing")
    assert code == 0 and "0/3" in out
    assert world.household_a2.address in out  # the missing list
    code, out, _err = run(capsys, "campaigns", "refresh", "--all")
    assert code == 0 and f"{pk}:" in out
    code, out, _err = run(capsys, "campaigns", "list")
    assert "流动人员信息排查" in out
    target = tmp_path / "out.xlsx"
    assert run(capsys, "campaigns", "export", str(pk), str(target))[0] == 0
    rows = list(load_workbook(io.BytesIO(target.read_bytes())).active.iter_rows(values_only=True))
    assert len(rows) == 3 + 3  # title, stamp, header, three households


def test_demo_campaign_covers_every_household(world: World) -> None:
    campaign = campaign_demo.demo_campaign()
    assert campaign is not None and campaign.status == "open"
    assert campaign.title == "流动人员信息排查"
    assert CampaignTarget.objects.filter(campaign=campaign).count() == 3
    cov = campaign_coverage.coverage(campaign)
    assert cov.total.total == 3
    done = CampaignTarget.objects.filter(campaign=campaign).exclude(status="pending").count()
    assert CampaignSubmission.objects.filter(target__campaign=campaign).count() == done
    campaign_demo.reset()
    assert not Campaign.objects.exists()
