"""A campaign's answers exported from its pages: prepared in the background as the person who
asked (their grid only, masked, audited), then fetched from 我的下载."""

import io
import re

from django.test import Client
from openpyxl import load_workbook

from tests.fieldwork import campaign_world as helpers
from tests.fieldwork.campaign_world import World, opened
from wangge.accounts.models import AuditEntry
from wangge.web.models import Download

world = helpers.world
_campaign_env = helpers._campaign_env


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _export(client: Client, campaign_pk: int, capture) -> list[tuple]:
    page = client.get(f"/field/campaigns/{campaign_pk}/coverage/").content.decode()
    assert 'name="kind" value="campaign"' in page  # the button is on the coverage page
    with capture(execute=True):
        response = client.post("/downloads/new/", {"kind": "campaign", "campaign": campaign_pk})
    assert response.status_code == 302
    listed = client.get("/downloads/").content.decode()
    link = re.search(r'href="(/downloads/\d+/file/)"', listed)
    assert link, listed
    content = b"".join(client.get(link.group(1)).streaming_content)
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=4, values_only=True))


def test_a_workers_export_holds_their_grid_masked_and_audited(
    world: World, django_capture_on_commit_callbacks
) -> None:
    p = world.people
    campaign = opened(world, target_kind="resident")
    rows = _export(_client(p.worker_a), campaign.pk, django_capture_on_commit_callbacks)
    assert sorted(r[5] for r in rows) == ["张三", "王流动"]
    assert p.resident_a.id_number_masked in {r[6] for r in rows}
    entry = AuditEntry.objects.get(action="export", object_type="campaign")
    assert entry.actor_id == p.worker_a.pk and entry.detail["rows"] == 2
    assert entry.ip == "127.0.0.1"  # the address that asked, though the worker built it
    d = Download.objects.get()
    assert d.state == "done" and d.rows_done == d.rows_total == 2


def test_an_unknown_campaign_or_a_draft_is_not_exported(world: World) -> None:
    p = world.people
    admin = _client(p.admin)
    response = admin.post("/downloads/new/", {"kind": "campaign", "campaign": 987654})
    assert response.status_code == 404
    draft = helpers.define(world)
    response = admin.post(
        "/downloads/new/", {"kind": "campaign", "campaign": draft.pk}, follow=True
    )
    assert "草稿状态的专项行动没有可导出的采集结果" in response.content.decode()
    assert not Download.objects.exists()
