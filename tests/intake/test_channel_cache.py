"""The process's copies of the channels (intake.services) and of the category catalogue
(events.deadlines): a change made in this process counts at once, a channel changed in another
process (here: plain SQL, which no signal sees) within WANGGE_CHANNEL_CHECK_SECONDS; a push
asks the database for neither."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.intake.conftest import Intake, order, push
from wangge.events.models import Category, Event
from wangge.intake import services
from wangge.intake.models import Channel

pytestmark = pytest.mark.django_db


def elsewhere(sql: str, params: list[object]) -> None:
    """A change as another process makes it: straight to the database, no signals."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def expire_copies(settings) -> None:
    settings.WANGGE_CHANNEL_CHECK_SECONDS = 0.05
    time.sleep(0.1)


def test_a_switched_off_channel_is_refused_at_once(client, intake: Intake):
    assert push(client, intake.key, order()).status_code == 201
    channel = Channel.objects.get(pk=intake.hotline.pk)
    channel.active = False
    channel.save()
    refused = push(client, intake.key, order(order_no="B"))
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "inactive"
    Channel.objects.filter(pk=channel.pk).update(active=True)  # a bulk update counts too
    assert push(client, intake.key, order(order_no="B")).status_code == 201


def test_a_new_key_replaces_the_old_one_at_once(client, intake: Intake):
    assert push(client, intake.key, order()).status_code == 201
    new_key = services.channel_issue_key(Channel.objects.get(pk=intake.hotline.pk))
    refused = push(client, intake.key, order(order_no="B"))
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "unknown_key"
    assert push(client, new_key, order(order_no="B")).status_code == 201


def test_a_channel_switched_off_elsewhere_is_refused_after_the_check_interval(
    client, intake: Intake, settings
):
    assert push(client, intake.key, order()).status_code == 201
    elsewhere("UPDATE intake_channel SET active = %s WHERE id = %s", [False, intake.hotline.pk])
    # Within the interval this process still trusts its copy …
    assert push(client, intake.key, order(order_no="B")).status_code == 201
    expire_copies(settings)
    # … after it, not.
    refused = push(client, intake.key, order(order_no="C"))
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "inactive"
    assert services.channel_skips_acceptance("hotline") is None


def test_a_key_issued_elsewhere_works_at_once_and_the_old_one_stops_after_the_interval(
    client, intake: Intake, settings
):
    assert push(client, intake.key, order()).status_code == 201
    new_key = "issued-by-another-process"
    elsewhere(
        "UPDATE intake_channel SET api_key_hash = %s WHERE id = %s",
        [services._hash(new_key), intake.hotline.pk],
    )
    # A key the copy does not know has it read afresh: the new key works at once …
    assert push(client, new_key, order(order_no="B")).status_code == 201
    # … and that fresh copy no longer knows the old one.
    assert push(client, intake.key, order(order_no="C")).status_code == 403
    # A key re-issued elsewhere while the copy is fresh: the old one works until it expires.
    newer_key = "issued-again"
    elsewhere(
        "UPDATE intake_channel SET api_key_hash = %s WHERE id = %s",
        [services._hash(newer_key), intake.hotline.pk],
    )
    assert push(client, new_key, order(order_no="D")).status_code == 201
    expire_copies(settings)
    assert push(client, new_key, order(order_no="E")).status_code == 403
    assert push(client, newer_key, order(order_no="E")).status_code == 201


def test_skipping_acceptance_follows_the_channel(client, intake: Intake, settings):
    assert services.channel_skips_acceptance("hotline") is False
    with CaptureQueriesContext(connection) as queries:
        assert services.channel_skips_acceptance("hotline") is False
        assert services.channel_skips_acceptance("no_such_channel") is None
    # Asked once more for the unknown code (it may have been made meanwhile), not for hotline.
    assert len(queries.captured_queries) == 1
    channel = Channel.objects.get(code="hotline")
    channel.skips_acceptance = True
    channel.save()
    assert services.channel_skips_acceptance("hotline") is True
    elsewhere("UPDATE intake_channel SET skips_acceptance = %s WHERE code = %s", [False, "hotline"])
    assert services.channel_skips_acceptance("hotline") is True
    expire_copies(settings)
    assert services.channel_skips_acceptance("hotline") is False


def test_a_category_switched_off_is_refused_at_once(client, intake: Intake):
    assert push(client, intake.key, order()).status_code == 201
    category = Category.objects.get(code="0102")
    category.active = False
    category.save()
    refused = push(client, intake.key, order(order_no="B"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "unknown_category"


def test_a_push_reads_no_channel_category_or_area_rows(client, intake: Intake):
    assert push(client, intake.key, order()).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert push(client, intake.key, order(order_no="B")).status_code == 201
    read = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("intake_channel", "events_category", "regions_area"):
        assert table not in read
    event = Event.objects.get(source_ref="B")
    assert event.area.code == "330103001001001001" and event.category.code == "0102"


def test_an_unchanged_order_again_is_one_query(client, intake: Intake):
    assert push(client, intake.key, order()).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        again = push(client, intake.key, order())
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    assert len(queries.captured_queries) == 1


def test_the_copy_hands_out_copies(intake: Intake):
    first = services.channel_for_key(intake.key)
    first.category_map["changed"] = "0101"
    first.active = False
    again = services.channel_for_key(intake.key)
    assert again.active and "changed" not in again.category_map
