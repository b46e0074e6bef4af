"""`wangge demo`: the whole demo district, in order, and its removal in reverse."""

from dataclasses import dataclass

from django.utils import timezone

from wangge.dev import districts, events, fieldwork, history, notices, people


@dataclass(frozen=True)
class Demo:
    district: districts.DemoResult
    events: events.EventsDemoResult
    people: people.DemoPeople
    fieldwork: fieldwork.DemoFieldwork


def is_empty() -> bool:
    return districts.database_is_empty()


def reset() -> None:
    notices.reset()  # notices and activities point at areas and users
    fieldwork.reset()
    people.reset()
    events.reset()
    districts.reset()


def build(*, sample: bool = False, full_population: bool = False) -> Demo:
    """The real district from ../shared where present (or the built-in sample with `sample`),
    then departments, ninety days of events, people, visits and a campaign."""
    source = districts.SAMPLE_DIR if sample else None
    with history.clock(history.since(timezone.now())):  # in post before the history starts
        district = districts.build(source=source)
        events.build_departments(events.demo_password_hash(district.password))
    real = district.source != districts.SAMPLE_DIR
    letters = districts.SHARED_DIR / events.TIPDM_DIR
    population = people.build(everywhere=full_population)
    past = events.build_events(
        district.source / events.EVENTS_FILE if real else None,
        letters_from=letters if real and letters.is_dir() else None,
    )
    return Demo(district, past, population, fieldwork.build())
