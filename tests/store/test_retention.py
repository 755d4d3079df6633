"""Retention: exactly what is older than the limit goes, search stays consistent, size limits."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery
from opsdesk.store.retention import PruneResult, Retention, RetentionThread
from opsdesk.store.search import SearchIndexer
from tests.store import history_builder as hb

NOW = hb.START + timedelta(days=10)


def _index_all(path: Path, max_rows: int = 1_000_000) -> None:
    with SearchIndexer(path) as indexer:
        indexer.index_some(max_rows)


def _history(path: Path, n: int = 2000):
    """`n` events over 10 days, each body holding a word naming its day."""
    events = [
        replace(e, body=e.body + f" day{(datetime.fromisoformat(e.received_at) - hb.START).days}")
        for e in hb.generate(n, span=timedelta(days=10))
    ]
    return hb.write(path, events)


def test_age_limit_removes_exactly_what_is_older(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    rows = _history(path)
    # An event exactly at the cutoff stays; one a millisecond older goes. Plus a clock that
    # jumped back: a late row id with an old time must go too.
    cutoff = "2024-05-08T00:00:00.000Z"
    extra = next(hb.generate(1, seed=99))
    edge = [
        replace(extra, event_id="at-cutoff", received_at=cutoff),
        replace(extra, event_id="just-older", received_at="2024-05-07T23:59:59.999Z"),
        replace(extra, event_id="clock-jump", received_at="2024-05-01T00:00:00.500Z"),
    ]
    rows += hb.write(path, edge)
    with Retention(path) as retention:
        result = retention.prune(max_age_days=3, now=NOW, batch=137)
    expected_kept = sorted(i for i, e in rows if e.received_at >= cutoff)
    with EventQuery(path) as query:
        kept = sorted(query.ids(EventFilter()))
    assert kept == expected_kept
    assert result.deleted_by_age == len(rows) - len(expected_kept)
    assert result.deleted_by_size == 0 and not result.stopped
    assert result.age_cutoff == cutoff
    assert result.oldest_kept == cutoff


def test_search_no_longer_finds_pruned_events(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    rows = _history(path)
    _index_all(path, max_rows=1500)  # part indexed, part not: both kinds get pruned
    with EventQuery(path) as query:
        assert query.count(EventFilter(text="day1")) > 0
    with Retention(path) as retention:
        retention.prune(max_age_days=5, now=NOW, batch=100)
    with EventQuery(path) as query:
        assert query.count(EventFilter(text="day1")) == 0
        assert query.count(EventFilter(text="day4")) == 0
        _index_all(path)
        day7 = [i for i, e in rows if "day7" in e.body]
        assert sorted(query.ids(EventFilter(text="day7"))) == day7
    hb.check_search_index(path)  # the index holds exactly the bodies of the rows left


def test_stop_event_ends_between_batches(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    _history(path, 500)

    class StopAfter(threading.Event):
        """Set after the prune has checked it `n` times: a stop arriving mid-way."""

        def __init__(self, n: int) -> None:
            super().__init__()
            self.left = n

        def is_set(self) -> bool:
            self.left -= 1
            if self.left < 0:
                self.set()
            return super().is_set()

    with Retention(path) as retention:
        result = retention.prune(max_age_days=1, now=NOW, batch=10, stop_event=StopAfter(3))
        assert result.stopped
        assert result.deleted_by_age in (20, 30)  # whole batches only
        rest = retention.prune(max_age_days=1, now=NOW, batch=1000)
    assert not rest.stopped
    assert result.deleted + rest.deleted == 450  # 9 of 10 days


def test_size_limit_removes_the_oldest_and_compact_gives_space_back(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    rows = _history(path, 3000)
    _index_all(path)
    with Retention(path) as retention:
        before = retention.file_size()
        result = retention.prune(max_bytes=before // 2, batch=500)
        assert 1000 < result.deleted_by_size < 2500
        assert retention.free_bytes() > 0
        retention.compact()
        after = retention.file_size()
        assert after < before * 0.75
        assert retention.free_bytes() == 0
        oldest = retention.oldest_event()
    # The rows removed are the oldest ones.
    with EventQuery(path) as query:
        kept = sorted(query.ids(EventFilter()))
    assert kept == [i for i, _ in rows][result.deleted :]
    assert oldest == dict(rows)[kept[0]].received_at
    hb.check_search_index(path)


def test_no_limits_and_empty_history_delete_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    hb.write(path, [])
    with Retention(path) as retention:
        assert retention.prune().deleted == 0
        assert retention.prune(max_age_days=1, max_bytes=1).deleted == 0
        assert retention.oldest_event() is None
    _history(path, 100)
    with Retention(path) as retention:
        assert retention.prune(max_age_days=365, now=NOW).deleted == 0


@pytest.mark.parametrize("days", [0.5, 9.99])
def test_fractional_days(tmp_path: Path, days: float) -> None:
    path = tmp_path / "h.sqlite"
    rows = _history(path, 400)
    cutoff = (NOW - timedelta(days=days)).astimezone(UTC)
    with Retention(path) as retention:
        retention.prune(max_age_days=days, now=NOW)
    with EventQuery(path) as query:
        assert query.count(EventFilter()) == sum(
            1 for _, e in rows if datetime.fromisoformat(e.received_at) >= cutoff
        )


def test_thread_prunes_at_start_and_when_reconfigured(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    rows = _history(path, 500)
    results: list[PruneResult] = []
    arrived = threading.Condition()

    def on_result(result: PruneResult) -> None:
        with arrived:
            results.append(result)
            arrived.notify_all()

    def wait_for(count: int) -> None:
        with arrived:
            assert arrived.wait_for(lambda: len(results) >= count, timeout=10.0)

    # Age limits are relative to the real clock: the generated history is from 2024, so a
    # limit of many years keeps everything and a limit of 0 days removes everything.
    worker = RetentionThread(path, max_age_days=100_000, interval=3600.0, on_result=on_result)
    worker.start()
    try:
        wait_for(1)
        assert results[0].deleted == 0
        worker.configure(max_age_days=None, max_bytes=1)
        wait_for(2)
        assert results[1].deleted_by_size == len(rows)
    finally:
        started = time.monotonic()
        worker.stop()
    assert time.monotonic() - started < 2.0  # not waiting out the hour
    assert not worker.running and worker.error is None
