"""Password rules (length, classes, history) and the forced change at first login."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import make_user
from wangge.accounts.passwords import password_set_generated

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "weak",
    ["Sh0rt!x", "alllowercaseletters", "ALLUPPER123456", "lower-and-symbols-only"],
)
def test_short_or_one_sided_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak, make_user("someone"))


def test_a_long_mixed_password_passes():
    validate_password("Grid-Walk-2026", make_user("someone"))


def test_the_last_passwords_may_not_come_back(settings):
    settings.WANGGE_PASSWORD_HISTORY = 3
    user = make_user("op")
    passwords = ["First-Pass-01", "Second-Pass-02", "Third-Pass-03", "Fourth-Pass-04"]
    for p in passwords:
        validate_password(p, user)
        user.set_password(p)
        user.save()
    for recent in passwords[1:]:  # the last three, the current one included
        with pytest.raises(ValidationError) as refused:
            validate_password(recent, user)
        assert refused.value.error_list[0].code == "password_reused"
    validate_password(passwords[0], user)  # four back: allowed again
    assert user.password_history.count() == 3


def test_a_generated_password_must_be_changed_at_first_login(client):
    user = make_user("newcomer")
    password_set_generated(user=user, password="Given-By-Admin-1")
    response = client.post("/login/", {"username": "newcomer", "password": "Given-By-Admin-1"})
    assert response.status_code == 302
    # Every page leads to the change page first, keeping where the user was going.
    response = client.get("/events/")
    assert response.status_code == 302
    assert response["Location"] == "/account/password/?next=%2Fevents%2F"
    assert client.get("/api/areas").status_code == 403
    page = client.get("/account/password/?next=/events/").content.decode()
    assert "请先设置自己的密码" in page

    # The same password again is refused; so is a weak one.
    same = {"new_password1": "Given-By-Admin-1", "new_password2": "Given-By-Admin-1"}
    response = client.post("/account/password/", {"old_password": "Given-By-Admin-1", **same})
    assert response.status_code == 200 and client.get("/events/").status_code == 302
    response = client.post(
        "/account/password/?next=/events/",
        {
            "old_password": "Given-By-Admin-1",
            "new_password1": "Mine-And-Only-9",
            "new_password2": "Mine-And-Only-9",
            "next": "/events/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/events/"
    assert client.get("/events/").status_code == 200  # still logged in, nothing pending
    user.refresh_from_db()
    assert not user.login_profile.must_change_password
    client.logout()
    response = client.post("/login/", {"username": "newcomer", "password": "Mine-And-Only-9"})
    assert response.status_code == 302 and client.get("/events/").status_code == 200


def test_an_account_made_in_the_back_office_must_change_its_password(client):
    boss = make_user("boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "clerk",
            "password1": "Chosen-By-Boss-7",
            "password2": "Chosen-By-Boss-7",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    client.post("/login/", {"username": "clerk", "password": "Chosen-By-Boss-7"})
    assert client.get("/events/")["Location"].startswith("/account/password/")


def test_logging_out_stays_possible_with_a_change_pending(client):
    user = make_user("newcomer")
    password_set_generated(user=user, password="Given-By-Admin-1")
    client.post("/login/", {"username": "newcomer", "password": "Given-By-Admin-1"})
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
