import pytest
from django.utils import translation

from tests.people.factories import People, make_people
from wangge.regions import spatial_index


@pytest.fixture(autouse=True)
def _pii_key_file(settings, tmp_path, monkeypatch):
    """Each test has its own key ring file (never the developer's)."""
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"


@pytest.fixture(autouse=True)
def _english_messages():
    """Domain tests read messages in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def people(db) -> People:
    # A rolled-back test leaves the tree version as it was but the area ids new.
    spatial_index.invalidate()
    yield make_people()
    spatial_index.invalidate()
