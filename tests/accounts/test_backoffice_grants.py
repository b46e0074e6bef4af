"""Every grant in the back office goes through the audited services (issue 13): posts given
and ended, sensitive-group grants given and revoked, department handlers added and removed;
none of them can be deleted there around the audit."""

import pytest
from django.test import Client

from tests.factories import make_tree, make_user
from wangge.accounts.models import AuditEntry, Post
from wangge.events.models import Department
from wangge.people.models import TagGrant, TagKind

pytestmark = pytest.mark.django_db

GRID_A = "330103001001001"


@pytest.fixture
def office():
    boss = make_user("boss", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="10.0.0.9")
    client.force_login(boss)
    return client


def audited(action: str, object_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_type=object_type))


def test_a_post_given_and_ended_in_the_back_office_is_audited(office):
    area = make_tree()[GRID_A]
    worker = make_user("w1")
    response = office.post(
        "/admin/accounts/post/add/",
        {"user": worker.pk, "area": area.pk, "role": "full_time", "started_on": "2026-01-01"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get(user=worker)
    [grant] = audited("grant", "post")
    assert (grant.actor_name, grant.object_id, grant.ip) == ("boss", str(post.pk), "10.0.0.9")
    assert grant.detail == {"area": GRID_A, "role": "full_time"}

    response = office.post(
        "/admin/accounts/post/", {"action": "end_now", "_selected_action": [post.pk]}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.ended_on is not None
    assert len(audited("revoke", "post")) == 1
    assert office.get(f"/admin/accounts/post/{post.pk}/delete/").status_code in (302, 403)
    assert Post.objects.filter(pk=post.pk).exists()


def test_a_sensitive_group_grant_and_its_revocation_are_audited(office):
    kind = TagKind.objects.filter(sensitive=True).first() or TagKind.objects.create(
        code="watch", name="重点", sensitive=True
    )
    user = make_user("analyst")
    response = office.post(
        "/admin/people/taggrant/add/", {"user": user.pk, "kind": kind.pk, "expires_on": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = TagGrant.objects.get(user=user)
    assert grant.granted_by.username == "boss"
    assert [e.detail for e in audited("grant", "user")] == [{"kind": kind.code}]

    response = office.post(
        "/admin/people/taggrant/", {"action": "revoke", "_selected_action": [grant.pk]}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert [e.object_id for e in audited("revoke", "user")] == [str(user.pk)]
    assert office.get(f"/admin/people/taggrant/{grant.pk}/delete/").status_code in (302, 403)


def test_department_handlers_chosen_in_the_form_are_audited(office):
    department = Department.objects.create(code="water", name="水务")
    keep, drop, new = make_user("keep"), make_user("drop"), make_user("new")
    department.handlers.add(keep, drop)
    response = office.post(
        f"/admin/events/department/{department.pk}/change/",
        {
            "code": "water",
            "name": "水务",
            "active": "on",
            "categories": [],
            "handlers": [keep.pk, new.pk],
            "areas": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(department.handlers.values_list("username", flat=True)) == {"keep", "new"}
    granted = audited("grant", "department_handler")
    revoked = audited("revoke", "department_handler")
    assert [e.object_label for e in granted] == ["new"]
    assert [e.object_label for e in revoked] == ["drop"]


def test_role_changes_of_an_account_are_audited(office):
    from django.contrib.auth.models import Group

    clerk = make_user("clerk")
    auditors = Group.objects.get(name="auditor")
    response = office.post(
        f"/admin/auth/user/{clerk.pk}/change/",
        {
            "username": "clerk",
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "groups": [auditors.pk],
            "user_permissions": [],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
            "last_login_0": "",
            "last_login_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    [entry] = audited("update", "account_roles")
    assert (entry.actor_name, entry.object_label, entry.ip) == ("boss", "clerk", "10.0.0.9")
    assert entry.detail["before"]["groups"] == [] and not entry.detail["before"]["staff"]
    assert entry.detail["after"]["groups"] == ["auditor"] and entry.detail["after"]["staff"]
    # Saving again without a change writes nothing more.
    office.post(
        f"/admin/auth/user/{clerk.pk}/change/",
        {
            "username": "clerk",
            "is_active": "on",
            "is_staff": "on",
            "groups": [auditors.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert len(audited("update", "account_roles")) == 1
