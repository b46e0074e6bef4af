"""Web views of households and number searches are audited like the API's; logs (ours and
gunicorn's) carry no numbers or follow tokens."""

import io
import logging

from django.test import Client
from gunicorn.config import Config

from tests.people.factories import ID_A, PHONE_A
from wangge.accounts.models import AuditEntry
from wangge.gunicorn_log import ScrubbedLogger
from wangge.logscrub import scrub


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_household_page_and_number_search_are_audited(people):
    c = _client(people.worker_a)
    hid = people.household_a.pk
    assert c.get(f"/people/households/{hid}/").status_code == 200
    assert AuditEntry.objects.filter(
        action="view", object_type="household", object_id=str(hid), actor_id=people.worker_a.pk
    ).exists()
    before = AuditEntry.objects.count()
    assert c.post("/people/", {"q": "张"}).status_code == 200  # by name: not a number lookup
    assert AuditEntry.objects.count() == before
    page = c.post("/people/", {"id_number": ID_A})
    assert page.status_code == 200 and "110105********002X" in page.content.decode()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_type, entry.actor_id) == (
        "view",
        "resident",
        people.worker_a.pk,
    )
    assert entry.object_id == str(people.resident_a.pk) and entry.detail["results"] == 1


def test_scrub_masks_numbers_tokens_and_number_params():
    line = (
        f'"GET /r/follow/XC-20260301-00042/s3cr3tT0ken/?x=1 HTTP/1.1" '
        f"/api/people/residents?phone={PHONE_A}&id_number={ID_A}&page=2 {ID_A} 0571-87654321"
    )
    out = scrub(line)
    assert "s3cr3tT0ken" not in out and "/r/follow/XC-20260301-00042/***" in out
    for plain in (PHONE_A, ID_A, "87654321"):
        assert plain not in out, plain
    assert "page=2" in out and "110105********002X" in out


def test_our_log_handlers_scrub(people):
    """The handler settings.LOGGING installs (records of every logger propagate to it)."""
    (handler,) = [h for h in logging.getLogger().handlers if h.filters]
    stream = io.StringIO()
    # Swapped by hand: setStream would flush the old stream, which pytest may have closed.
    old, handler.stream = handler.stream, stream
    try:
        logging.getLogger("django.request").warning(
            "Not Found: /r/follow/XC-1/tok123abc/ %s", PHONE_A
        )
    finally:
        handler.stream = old
    err = stream.getvalue()
    assert "t0ken9" not in err and PHONE_A not in err and "138****5678" in err


def test_gunicorn_access_and_error_logs_scrub(capfd):
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("errorlog", "-")
    log = ScrubbedLogger(cfg)
    log.access_log.info('"GET /api/people/residents?phone=%s HTTP/1.1" 422', PHONE_A)
    log.error("error at /r/follow/XC-1/tok123abc/")
    captured = capfd.readouterr()
    text = captured.out + captured.err
    assert "phone=***" in text and "/r/follow/XC-1/***" in text
    assert PHONE_A not in text and "tok123abc" not in text
