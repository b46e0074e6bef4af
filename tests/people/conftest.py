import pytest

from tests.people.factories import People, make_people


@pytest.fixture(autouse=True)
def _pii_key_file(settings, tmp_path, monkeypatch):
    """Each test has its own key ring file (never the developer's)."""
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"


@pytest.fixture
def people(db) -> People:
    return make_people()
