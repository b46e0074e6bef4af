"""`wangge campaign-notice`: a draft campaign's residents told before it opens (the CLI calls
both sibling apps' services; neither imports the other)."""

import datetime as dt

import pytest
from django.test import Client

from tests.notices.world import World, build
from wangge import cli
from wangge.fieldwork.models import Campaign
from wangge.notices.models import Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return build()


def campaign(w: World, status: str = Campaign.Status.DRAFT) -> Campaign:
    c = Campaign.objects.create(
        title="人口信息核查",
        description="请在家等候网格员入户。",
        starts_on=dt.date(2030, 3, 1),
        ends_on=dt.date(2030, 3, 31),
        status=status,
        fields=[{"name": "ok", "label": "已核实", "type": "yes_no"}],
    )
    c.areas.set([w.community])
    return c


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_draft_campaign_notice_reaches_the_public_board_of_its_areas(w, capsys):
    c = campaign(w)
    code, out, err = run(capsys, "campaign-notice", str(c.pk), "--sender", "street_op")
    assert code == 0, err
    notice = Notice.objects.get()
    assert str(notice.pk) in out
    assert notice.audience == Notice.Audience.RESIDENTS and notice.status == Notice.Status.SENT
    assert notice.title == "人口信息核查" and "请在家等候网格员入户。" in notice.body
    assert "2030" in notice.body
    assert list(notice.areas.all()) == [w.community]
    page = Client().get(f"/notices/board/{w.grid.code}/")
    assert "人口信息核查" in page.content.decode()  # shown below the community too


def test_scheduled_and_refused_cases(w, capsys):
    c = campaign(w)
    code, _out, err = run(
        capsys,
        "campaign-notice",
        str(c.pk),
        "--sender",
        "street_op",
        "--send-at",
        "2099-01-01T08:00",
    )
    assert code == 0, err
    assert Notice.objects.get().status == Notice.Status.SCHEDULED
    opened = campaign(w, status=Campaign.Status.OPEN)
    assert run(capsys, "campaign-notice", str(opened.pk), "--sender", "street_op")[0] == 1
    assert run(capsys, "campaign-notice", "999999", "--sender", "street_op")[0] == 1
    assert run(capsys, "campaign-notice", str(c.pk), "--sender", "nobody")[0] == 1
    # Someone without a post over the campaign's areas: the notices service's 403, printed.
    code, _out, err = run(capsys, "campaign-notice", str(c.pk), "--sender", "outsider")
    assert code == 1 and "areas" in err
    assert Notice.objects.count() == 1
