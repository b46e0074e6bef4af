import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Domain tests read messages in English; the zh-hans ones are tested on their own."""
    with translation.override("en"):
        yield
