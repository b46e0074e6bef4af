"""Lockout per username and per address (django-axes), unlocked in the back office, both
audited; the login form's rate limit."""

import pytest
from axes.models import AccessAttempt

from tests.factories import make_user
from tests.ratelimits import WINDOW_START
from wangge.accounts.models import AuditEntry

pytestmark = pytest.mark.django_db

GOOD = "pw-Wangge-2026"


def attempt(client, username: str, password: str, ip: str = "10.1.1.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_twenty_wrong_passwords_then_the_right_one_does_not_log_in(client):
    make_user("op")
    for i in range(20):
        response = attempt(client, "op", f"wrong-{i}")
        assert response.status_code in (200, 429)
        assert not logged_in(client)
    response = attempt(client, "op", GOOD)
    assert response.status_code == 429 and not logged_in(client)
    assert int(response["Retry-After"]) == 30 * 60
    assert "锁定" in response.content.decode()  # the page says why, in Chinese
    # From another address too: the username itself is locked.
    assert attempt(client, "op", GOOD, ip="10.9.9.9").status_code == 429
    assert not logged_in(client)


def test_the_lock_starts_at_the_limit_and_is_audited_once(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("op")
    for i in range(2):
        assert attempt(client, "op", f"wrong-{i}").status_code == 200
    assert attempt(client, "op", GOOD).status_code == 302  # under the limit: still fine
    client.logout()
    for i in range(3):
        attempt(client, "op", f"wrong-{i}")
    assert attempt(client, "op", GOOD).status_code == 429
    attempt(client, "op", "wrong-again")
    locks = AuditEntry.objects.filter(action="lock", object_type="login")
    assert [(e.object_id, e.detail["ip"]) for e in locks] == [("op", "10.1.1.1")]


def test_an_address_trying_many_usernames_is_locked(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("victim")
    for name in ("a", "b", "c"):
        attempt(client, name, "guess", ip="10.6.6.6")
    # A username never tried before, the right password, the same address: refused.
    assert attempt(client, "victim", GOOD, ip="10.6.6.6").status_code == 429
    # Another address is not affected.
    assert attempt(client, "victim", GOOD, ip="10.7.7.7").status_code == 302


def test_unlock_in_the_back_office_is_audited(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("op")
    admin = make_user("boss", is_staff=True, is_superuser=True)
    for i in range(3):
        attempt(client, "op", f"wrong-{i}")
    assert attempt(client, "op", GOOD).status_code == 429

    office = client_class_for(admin)
    listing = office.get("/admin/axes/accessattempt/?locked_out=yes")
    assert listing.status_code == 200 and "op" in listing.content.decode()
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = office.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": ids},
        REMOTE_ADDR="10.0.0.5",
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    unlock = AuditEntry.objects.get(action="unlock")
    assert (unlock.actor_name, unlock.object_id, unlock.ip) == ("boss", "op", "10.0.0.5")
    # No plain delete that would skip the audit.
    assert office.get(f"/admin/axes/accessattempt/{ids[0]}/delete/").status_code in (403, 302)

    assert attempt(client, "op", GOOD).status_code == 302 and logged_in(client)


def client_class_for(user):
    from django.test import Client

    office = Client()
    office.force_login(user)
    return office


def test_the_login_form_is_rate_limited_per_address(client, settings, clock):
    clock(WINDOW_START)  # limits count in fixed windows: all the requests fall in one
    settings.WANGGE_RATE_LOGIN = "3/60"
    make_user("op")
    for _ in range(3):
        assert attempt(client, "nobody", "x", ip="10.2.2.2").status_code == 200
    response = attempt(client, "op", GOOD, ip="10.2.2.2")
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    assert not logged_in(client)
    assert client.get("/login/", REMOTE_ADDR="10.2.2.2").status_code == 200  # reading is free
    assert attempt(client, "op", GOOD, ip="10.3.3.3").status_code == 302


def test_logging_into_ones_own_account_does_not_reset_the_address(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("mine")
    make_user("victim")
    for name in ("x1", "x2"):
        attempt(client, name, "guess", ip="10.5.5.5")
    assert attempt(client, "mine", GOOD, ip="10.5.5.5").status_code == 302
    client.logout()
    attempt(client, "x3", "guess", ip="10.5.5.5")  # the third failure from the address
    assert attempt(client, "victim", GOOD, ip="10.5.5.5").status_code == 429


def test_a_good_login_forgives_the_users_own_typos(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("op")
    for i in range(2):
        attempt(client, "op", f"typo-{i}")
    assert attempt(client, "op", GOOD).status_code == 302
    client.logout()
    for i in range(2):
        attempt(client, "op", f"typo-again-{i}")
    assert attempt(client, "op", GOOD).status_code == 302  # 2 + 2 typos: not locked
