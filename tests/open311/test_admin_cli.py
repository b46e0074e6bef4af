"""Registering clients from the command line, and service attributes edited in the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from tests.factories import make_user
from wangge import cli
from wangge.events.models import Category
from wangge.intake.models import Channel
from wangge.intake.services import channel_for_key
from wangge.open311.models import ServiceAttribute

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _restore_language():
    yield
    translation.deactivate()


def _key(out: str) -> str:
    return out.strip().splitlines()[-1]


def test_client_command_registers_and_rekeys(capsys, monkeypatch):
    monkeypatch.setenv("WANGGE_LANGUAGE", "en")
    assert cli.main(["open311", "client", "civic_app", "--name", "Civic app"]) == 0
    first = _key(capsys.readouterr().out)
    assert channel_for_key(first).code == "civic_app"
    Channel.objects.filter(code="civic_app").update(active=False)
    assert cli.main(["open311", "client", "civic_app"]) == 0
    second = _key(capsys.readouterr().out)
    channel = channel_for_key(second)  # switched on again, under its name
    assert (channel.active, channel.name) == (True, "Civic app")
    with pytest.raises(Exception, match="Unknown API key"):
        channel_for_key(first)


def test_client_command_refuses_a_bad_code(capsys, monkeypatch):
    monkeypatch.setenv("WANGGE_LANGUAGE", "en")
    assert cli.main(["open311", "client", "not a slug!"]) == 1
    assert "code" in capsys.readouterr().err
    assert not Channel.objects.filter(code="not a slug!").exists()


def _attribute(**extra):
    fields = {
        "category": Category.objects.get(code="0102"),
        "code": "kind",
        "datatype": "singlevaluelist",
        "description": "?",
        "values": [{"key": "a", "name": "A"}],
    }
    fields.update(extra)
    return ServiceAttribute(**fields)


@pytest.mark.parametrize(
    "extra",
    [
        {"values": []},
        {"values": "a,b"},
        {"values": [{"key": "a"}]},
        {"values": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]},
        {"datatype": "string"},
    ],
)
def test_attribute_values_are_checked(extra):
    with pytest.raises(ValidationError) as invalid:
        _attribute(**extra).full_clean()
    assert "values" in invalid.value.message_dict


def test_good_attributes_pass():
    _attribute().full_clean()
    _attribute(code="note", datatype="text", values=[]).full_clean()


def test_admin_edits_attributes():
    admin = make_user("boss", is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    category = Category.objects.get(code="0102")
    form = {
        "category": category.pk,
        "code": "kind",
        "datatype": "singlevaluelist",
        "variable": "on",
        "required": "on",
        "description": "What kind?",
        "datatype_description": "",
        "order": "1",
        "values": '[{"key": "bag", "name": "袋装"}]',
    }
    url = "/admin/open311/serviceattribute/add/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {**form, "values": "[]"})
    assert bad.status_code == 200  # the form again, with the error
    assert not ServiceAttribute.objects.exists()
    assert client.post(url, form).status_code == 302
    saved = ServiceAttribute.objects.get()
    assert saved.values == [{"key": "bag", "name": "袋装"}]
    assert client.get("/admin/open311/servicerequest/").status_code == 200
    definition = client.get("/open311/v2/services/0102.json").json()
    assert definition["attributes"][0]["description"] == "What kind?"
