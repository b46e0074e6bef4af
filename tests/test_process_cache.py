"""The one per-process cache (channels, catalogue, calendar years, webhook endpoints, area
index): trusted for its seconds, reloaded only when its version moved, forgotten at once by
this process's own changes, and never keeping a copy read across a change."""

from wangge import process_cache
from wangge.process_cache import ProcessCache


class Source:
    def __init__(self) -> None:
        self.value = 1
        self.version = 1
        self.loads = 0
        self.version_reads = 0
        self.during_load = None

    def load(self) -> int:
        self.loads += 1
        value = self.value  # the rows as read
        if self.during_load is not None:
            self.during_load()
        return value

    def read_version(self) -> int:
        self.version_reads += 1
        return self.version


class Clock:
    def __init__(self, monkeypatch) -> None:
        self.now = 1000.0
        monkeypatch.setattr(process_cache.time, "monotonic", lambda: self.now)


def test_a_value_is_trusted_for_its_seconds_then_read_again(monkeypatch):
    clock, source = Clock(monkeypatch), Source()
    cache = ProcessCache(source.load, seconds=lambda: 60)
    assert cache.get() == 1 and source.loads == 1
    source.value = 2
    clock.now += 59
    assert cache.get() == 1 and source.loads == 1  # trusted
    clock.now += 2
    assert cache.get() == 2 and source.loads == 2


def test_with_a_version_only_a_moved_stamp_reloads(monkeypatch):
    clock, source = Clock(monkeypatch), Source()
    cache = ProcessCache(source.load, seconds=lambda: 5, version=source.read_version)
    assert cache.get() == 1 and source.loads == 1
    clock.now += 10
    assert cache.get() == 1 and source.loads == 1  # asked the stamp, kept the value
    assert source.version_reads == 2
    clock.now += 1
    assert cache.get() == 1 and source.version_reads == 2  # checked again only after 5 s
    source.value, source.version = 3, 2
    clock.now += 10
    assert cache.get() == 3 and source.loads == 2


def test_forget_is_seen_at_once_and_reload_reads_now(monkeypatch):
    Clock(monkeypatch)
    source = Source()
    cache = ProcessCache(source.load, seconds=lambda: 60)
    cache.get()
    source.value = 5
    cache.forget()
    assert cache.get() == 5 and source.loads == 2
    source.value = 6
    assert cache.reload() == 6 and cache.get() == 6 and source.loads == 3


def test_a_copy_read_across_a_change_is_used_once_never_kept(monkeypatch):
    Clock(monkeypatch)
    source = Source()
    cache = ProcessCache(source.load, seconds=lambda: 60)

    def change_meanwhile() -> None:  # another thread commits a change while this one loads
        source.during_load = None
        source.value = 7
        cache.forget()

    source.during_load = change_meanwhile
    assert cache.get() == 1  # the caller gets what it read
    assert cache.get() == 7 and source.loads == 2  # but it was not kept


def test_forget_on_commit_forgets_again_after_the_commit(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    Clock(monkeypatch)
    source = Source()
    cache = ProcessCache(source.load, seconds=lambda: 60)
    with django_capture_on_commit_callbacks(execute=True):
        cache.forget_now_and_on_commit()
        source.value = 8
        assert cache.get() == 8  # read inside the transaction (it may have seen old rows)
        source.value = 9
    assert cache.get() == 9  # forgotten again once committed
