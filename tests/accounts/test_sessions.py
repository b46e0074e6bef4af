"""Idle and absolute session timeouts, and the optional TOTP second factor."""

import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_tree, make_user, post
from wangge.accounts import policy
from wangge.regions.models import Area

pytestmark = pytest.mark.django_db

GOOD = "pw-Wangge-2026"


def login(client, username: str):
    return client.post("/login/", {"username": username, "password": GOOD})


def _age(client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def test_a_session_idle_past_the_limit_ends(client, settings):
    settings.WANGGE_IDLE_SECONDS = 30 * 60
    make_user("op")
    login(client, "op")
    assert client.get("/events/").status_code == 200
    _age(client, policy.SEEN_AT, 29 * 60)
    assert client.get("/events/").status_code == 200  # 29 minutes idle: still in
    _age(client, policy.SEEN_AT, 31 * 60)
    response = client.get("/events/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/api/areas").status_code == 401


def test_a_busy_session_still_ends_at_the_absolute_limit(client, settings):
    settings.SESSION_COOKIE_AGE = 8 * 3600
    make_user("op")
    login(client, "op")
    _age(client, policy.LOGIN_AT, 8 * 3600 + 1)  # logged in 8 h ago, active a moment ago
    assert client.get("/events/").status_code == 302


def test_the_last_seen_stamp_is_not_rewritten_on_every_request(client):
    make_user("op")
    login(client, "op")
    seen = client.session[policy.SEEN_AT]
    client.get("/events/")
    assert client.session[policy.SEEN_AT] == seen  # within a minute: no session write


def _code(device: TOTPDevice, shift: int = 0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, shift):06d}"


def test_enrolling_then_every_login_asks_for_a_code(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no growing wait after a wrong code in this test
    make_user("op")
    login(client, "op")
    page = client.get("/account/otp/enrol/")
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user__username="op", confirmed=False)
    assert client.post("/account/otp/enrol/", {"token": "000000"}).status_code == 422
    response = client.post("/account/otp/enrol/?next=/events/", {"token": _code(device)})
    assert response.status_code == 302 and response["Location"] == "/events/"
    device.refresh_from_db()
    assert device.confirmed
    client.logout()

    login(client, "op")
    response = client.get("/events/")
    assert response["Location"] == "/account/otp/?next=%2Fevents%2F"
    assert client.get("/account/password/").status_code == 302  # not before the code
    assert client.get("/account/otp/enrol/").status_code == 302  # no second device either
    assert client.post("/account/otp/", {"token": "123456"}).status_code == 422
    assert client.get("/events/").status_code == 302
    response = client.post("/account/otp/", {"token": _code(device, shift=1), "next": "/events/"})
    assert response.status_code == 302 and response["Location"] == "/events/"
    assert client.get("/events/").status_code == 200


def test_wrong_codes_make_the_next_try_wait(client):
    user = make_user("op")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    login(client, "op")
    assert client.post("/account/otp/", {"token": "000000"}).status_code == 422
    assert client.post("/account/otp/", {"token": _code(device)}).status_code == 422
    assert client.get("/events/").status_code == 302


def test_required_second_factor_for_operators_only(client, settings):
    settings.WANGGE_OTP_REQUIRED = True
    make_tree()
    top = Area.objects.filter(parent=None).first()
    post(make_user("op"), top, role="operator")
    post(make_user("worker"), top, role="full_time")
    login(client, "op")
    assert client.get("/events/")["Location"].startswith("/account/otp/enrol/")
    client.logout()
    login(client, "worker")
    assert client.get("/events/").status_code == 200
    client.logout()
    make_user("boss", is_staff=True)
    login(client, "boss")
    assert client.get("/admin/")["Location"].startswith("/account/otp/enrol/")


def test_the_inbox_poll_does_not_keep_an_idle_session_alive(client, settings):
    settings.WANGGE_IDLE_SECONDS = 30 * 60
    make_user("op")
    login(client, "op")
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_X_WANGGE_BACKGROUND": "1"}
    _age(client, policy.SEEN_AT, 20 * 60)
    assert client.get("/inbox/count/", **poll).status_code == 200
    _age(client, policy.SEEN_AT, 31 * 60)  # the poll above did not count as activity
    response = client.get("/inbox/count/", HTTP_HX_CURRENT_URL="http://testserver/events/", **poll)
    # The whole tab goes to the login page, not a login page inside the counter.
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=%2Fevents%2F"
    assert "_auth_user_id" not in client.session


def test_a_fragment_request_with_a_step_pending_gets_no_page(client):
    from wangge.accounts.passwords import password_set_generated

    user = make_user("newcomer")
    password_set_generated(user=user, password="Given-By-Admin-1")
    client.post("/login/", {"username": "newcomer", "password": "Given-By-Admin-1"})
    response = client.get("/inbox/count/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response.content == b""
