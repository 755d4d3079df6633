"""Garbage is collected on the UI thread, never on a worker that happens to allocate."""

from __future__ import annotations

import gc
import threading

from opsdesk.ui.main_thread_gc import MainThreadCollector, collect_due, freeze_long_lived, thaw


class _Node:
    """Records the thread it is finalised on."""

    def __init__(self, seen: list[str]) -> None:
        self.seen = seen
        self.other: _Node | None = None

    def __del__(self) -> None:
        self.seen.append(threading.current_thread().name)


def _make_cycle(seen: list[str]) -> None:
    a, b = _Node(seen), _Node(seen)
    a.other, b.other = b, a


def test_a_busy_worker_never_collects_the_ui_threads_garbage(qtbot, qapp):
    gc.enable()  # as at start-up, before the collector exists
    collector = MainThreadCollector(qapp, interval_ms=20)
    try:
        assert not gc.isenabled()
        seen: list[str] = []
        _make_cycle(seen)

        kept: list[list[object]] = []

        def allocate() -> None:
            # Far past the young generation's threshold: automatic collection would run here.
            # Kept alive, so the count stays past it until the UI thread collects.
            kept.extend([] for _ in range(50_000))

        worker = threading.Thread(target=allocate, name="busy-worker")
        worker.start()
        worker.join()
        assert seen == [] and len(kept) == 50_000
        qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
        assert seen == ["MainThread", "MainThread"]
    finally:
        collector.deleteLater()


def test_collect_due_collects_only_past_a_threshold():
    gc.collect()
    assert collect_due() == 0  # counts just reset: nothing is due
    seen: list[str] = []
    _make_cycle(seen)
    threshold = gc.get_threshold()[0]
    kept = [[] for _ in range(threshold + 1)]
    assert collect_due() >= 2 and len(seen) == 2
    assert len(kept) == threshold + 1


def test_what_lives_when_the_desk_starts_is_set_aside_until_it_closes():
    """A full collection must not walk the desk's own ~110k long-lived objects (75-100 ms)."""
    long_lived = [[n] for n in range(2000)]  # lists are always tracked
    try:
        assert freeze_long_lived() >= len(long_lived)
        watched = {id(o) for o in gc.get_objects()}
        assert not any(id(o) in watched for o in long_lived)
        young = [[n] for n in range(10)]
        watched = {id(o) for o in gc.get_objects()}
        assert all(id(o) in watched for o in young), "what is made later is collected as usual"
    finally:
        thaw()
    assert gc.get_freeze_count() == 0
    watched = {id(o) for o in gc.get_objects()}
    assert all(id(o) in watched for o in long_lived)
