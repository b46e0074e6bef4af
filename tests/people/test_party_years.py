"""The party figures' `year` is a calendar year we keep, refused otherwise (found by
schemathesis: a year such as -2147483648 made a date and answered 500)."""

import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/people/party/members", "/api/people/party/report-ins/below"]
)
def test_a_year_out_of_the_calendar_is_a_422_naming_it(client, path):
    client.force_login(make_user("op-year", is_superuser=True))
    response = client.get(path, {"year": -2147483648})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "year"
    assert client.get(path, {"year": 2026}).status_code == 200
