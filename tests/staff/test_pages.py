"""The staff pages: a grid's posts and the roster upload, through the real client."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.events.factories import make_world
from tests.factories import make_user, post
from tests.staff.rosters import ROWS, roster_csv
from wangge.accounts.models import AuditEntry, Post


@pytest.fixture
def world(db):
    return make_world()


def test_operator_gives_and_ends_a_post_on_the_grid_page(world, client):
    client.force_login(world.operator)
    url = f"/areas/{world.micro.code}/posts/"
    assert 'id="manage-posts"' in client.get(f"/areas/{world.micro.code}/").content.decode()
    assert client.get(url).status_code == 200
    newcomer = make_user("newcomer")
    response = client.post(url, {"username": "newcomer", "role": "liaison"})
    assert response.status_code == 302
    given = Post.objects.get(user=newcomer, area=world.micro, ended_on__isnull=True)
    assert client.post(url, {"username": "nobody", "role": "liaison"}).status_code == 422
    assert client.post(url, {"username": "newcomer", "role": "king"}).status_code == 422
    assert client.post(url, {"end": given.pk}).status_code == 302
    given.refresh_from_db()
    assert given.ended_on is not None
    actions = AuditEntry.objects.filter(actor_id=world.operator.pk, object_type="post")
    assert sorted(actions.values_list("action", flat=True)) == ["grant", "revoke"]


def test_grid_page_refused_outside_the_managers_areas_and_to_workers(world, client):
    other_operator = make_user("op2")
    post(other_operator, world.areas["330103002"], role="operator")
    url = f"/areas/{world.micro.code}/posts/"
    for user in (other_operator, world.worker):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"username": "worker", "role": "liaison"}).status_code == 404
    assert 'id="manage-posts"' not in client.get(f"/areas/{world.micro.code}/").content.decode()


def test_roster_upload_page(world, client):
    client.force_login(world.operator)
    upload = SimpleUploadedFile("roster.csv", roster_csv(ROWS))
    page = client.post("/staff/import/", {"file": upload, "dry_run": "1"})
    assert page.status_code == 200 and 'id="passwords"' not in page.content.decode()
    assert not Post.objects.filter(user__username="13800000001").exists()
    page = client.post(
        "/staff/import/", {"file": SimpleUploadedFile("roster.csv", roster_csv(ROWS))}
    )
    assert page.status_code == 200 and 'id="passwords"' in page.content.decode()
    assert Post.objects.filter(user__username="13800000001").count() == 2
    bad = SimpleUploadedFile("bad.csv", roster_csv([["赵六", "1", "", "x", "专职网格员", ""]]))
    page = client.post("/staff/import/", {"file": bad})
    assert page.status_code == 422 and "手机号" in page.content.decode()
    client.force_login(world.worker)
    assert client.get("/staff/import/").status_code == 404
