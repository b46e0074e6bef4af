"""Text no database can hold (NUL) and dates outside any calendar are refused by field, in
the form, the query and the path, never a 500."""

import pytest

from tests.open311.conftest import BASE, error_descriptions, valid_form
from wangge.events.models import Event
from wangge.open311.models import ServiceRequest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "changes",
    [
        {"description": "路边\x00垃圾"},
        {"address_string": "\x00"},
        {"attribute[note]": "a\x00b"},
        {"service_code": "01\x0002"},
    ],
)
def test_nul_in_a_form_field_is_400_naming_it(o, client, changes):
    events, extras = Event.objects.count(), ServiceRequest.objects.count()
    response = client.post(f"{BASE}requests.json", valid_form(o, **changes))
    assert response.status_code == 400
    (field,) = changes
    (description,) = error_descriptions(response, "json")
    assert description.startswith(f"{field}: ") and "NUL" in description
    assert (Event.objects.count(), ServiceRequest.objects.count()) == (events, extras)


@pytest.mark.parametrize(
    "query",
    [
        "service_code=01%0002",
        "status=open%00",
        "start_date=0001-01-01T00:00:00",
        "end_date=0000-01-01T00:00:00",
        "start_date=2023-02-30T10:00:00Z",
        "service_request_id=%00",
    ],
)
def test_bad_queries_are_400(o, client, query):
    response = client.get(f"{BASE}requests.json?{query}")
    assert response.status_code == 400
    assert error_descriptions(response, "json")


def test_nul_in_the_path_is_400(o, client):
    assert client.get(f"{BASE}services/01%0002.json").status_code == 400
    assert client.get(f"{BASE}requests/XC%00.json").status_code == 400
    assert client.get(f"{BASE}tokens/ab%00.json").status_code == 400


def test_a_year_one_attribute_date_is_refused(o, client):
    form = valid_form(o, **{"attribute[seen_at]": "0001-01-01T00:00:00"})
    response = client.post(f"{BASE}requests.json", form)
    assert response.status_code == 400
    assert error_descriptions(response, "json")[0].startswith("attribute[seen_at]: ")
