"""EventQuery: ordered ids, rows by id, bounded counts, live ids, timelines, file stats."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store.errors import StoreError
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery, FileStats, SortKey
from opsdesk.store.search import SearchIndexer
from tests.store import history_builder as hb

N = 2000
History = tuple[Path, list[tuple[int, PaymentEvent]]]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    path = tmp_path_factory.mktemp("query") / "history.sqlite"
    return path, hb.write(path, list(hb.generate(N, span=timedelta(days=2))))


@pytest.fixture
def query(history: History):
    with EventQuery(history[0]) as opened:
        yield opened


def _sorted_ids(
    rows: list[tuple[int, PaymentEvent]], key: SortKey, descending: bool, f: EventFilter
) -> list[int]:
    def sort_key(item: tuple[int, PaymentEvent]) -> tuple[Any, ...]:
        row_id, event = item
        value = getattr(event, key.value)
        # SQLite puts NULL before every value.
        return (value is not None, value if value is not None else 0, row_id)

    matching = [item for item in rows if hb.reference(item[1], f)]
    return [row_id for row_id, _ in sorted(matching, key=sort_key, reverse=descending)]


@pytest.mark.parametrize("key", list(SortKey))
@pytest.mark.parametrize("descending", [True, False], ids=["desc", "asc"])
def test_ids_sorted_by_each_key(query: EventQuery, history: History, key, descending) -> None:
    f = EventFilter(statuses=("failed", "refunded", "unknown"))
    expected = _sorted_ids(history[1], key, descending, f)
    assert list(query.ids(f, key, descending)) == expected
    assert list(query.ids(f, key, descending, limit=7)) == expected[:7]


def test_time_order_follows_received_at_even_when_the_clock_jumped(tmp_path: Path) -> None:
    path = tmp_path / "clock.sqlite"
    events = list(hb.generate(3))
    late = replace(events[0], event_id="late", received_at="2024-04-30T00:00:00.000Z")
    rows = hb.write(path, [*events, late])
    with EventQuery(path) as query:
        assert list(query.ids(EventFilter())) == [3, 2, 1, 4]
        assert list(query.ids(EventFilter(), descending=False)) == [4, 1, 2, 3]
        # The live view follows storage order: the late row is still "new".
        assert list(query.newer_ids(EventFilter(), 3)) == [rows[3][0]]


def test_rows_fetches_by_id_and_skips_missing(query: EventQuery, history: History) -> None:
    rows = dict(history[1])
    wanted = [5, 1, N, 999_999, 17]
    found = query.rows(wanted)
    assert set(found) == {5, 1, N, 17}
    assert all(found[i] == rows[i] for i in found)
    assert query.rows([]) == {}
    big = list(range(1, N + 1))
    assert len(query.rows(big)) == N  # more than one chunk


def test_values_keep_the_order_asked_for(query: EventQuery, history: History) -> None:
    rows = dict(history[1])
    assert query.values([9, 3, 12345678, 4], ("id", "payment_id", "amount_minor")) == [
        (i, rows[i].payment_id, rows[i].amount_minor) for i in (9, 3, 4)
    ]
    with pytest.raises(ValueError, match="unknown columns"):
        query.values([1], ("id", "body; DROP TABLE events"))


def test_known_values_for_completion(query: EventQuery, history: History) -> None:
    rows = history[1]
    assert query.known_values("error_code") == sorted(hb.ERROR_CODES)
    assert query.known_values("currency", limit=2) == sorted(hb.CURRENCIES)[:2]
    recent = {e.merchant for _, e in rows[-50:] if e.merchant is not None}
    assert query.known_values("merchant", recent=50) == sorted(recent)
    with pytest.raises(ValueError, match="no suggestions"):
        query.known_values("body")


def test_bounded_count_stops_at_the_limit(query: EventQuery) -> None:
    assert query.count(EventFilter()) == N
    assert query.count(EventFilter(), limit=100) == 100
    assert query.count(EventFilter(statuses=("refunded",)), limit=100_000) == query.count(
        EventFilter(statuses=("refunded",))
    )


def test_newer_ids_continue_after_a_known_id(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite"
    first = hb.write(path, list(hb.generate(100)))
    f = EventFilter(statuses=("succeeded",))
    with EventQuery(path) as query:
        seen = query.max_id()
        assert list(query.newer_ids(f, seen)) == []
        later = [replace(e, event_id=f"later-{i}") for i, e in enumerate(hb.generate(60, seed=9))]
        rows = hb.write(path, later)
        expected = [i for i, e in rows if e.status is Status.SUCCEEDED]
        assert list(query.newer_ids(f, seen)) == expected
        assert list(query.newer_ids(f, seen, limit=3)) == expected[:3]
        assert list(query.newer_ids(f, expected[2], limit=3)) == expected[3:6]
        assert query.max_id() == rows[-1][0] == first[-1][0] + 60


def test_timeline_in_the_order_it_happened(tmp_path: Path) -> None:
    path = tmp_path / "timeline.sqlite"
    base = next(hb.generate(1, seed=3))
    steps = [
        # Arrived out of order: the refund's message overtook the capture's.
        replace(
            base,
            event_id="e1",
            occurred_at="2024-05-01T10:00:00.000Z",
            received_at="2024-05-01T10:00:01.000Z",
        ),
        replace(
            base,
            event_id="e3",
            occurred_at="2024-05-01T10:05:00.000Z",
            received_at="2024-05-01T10:05:01.000Z",
        ),
        replace(
            base,
            event_id="e2",
            occurred_at="2024-05-01T10:01:00.000Z",
            received_at="2024-05-01T10:06:00.000Z",
        ),
        replace(base, event_id="e4", occurred_at=None, received_at="2024-05-01T10:07:00.000Z"),
        replace(base, event_id="other", payment_id="pay_other"),
    ]
    rows = hb.write(path, steps)
    with EventQuery(path) as query:
        timeline = query.timeline(base.payment_id or "")
        assert [event.event_id for _, event in timeline] == ["e1", "e2", "e3", "e4"]
        assert [row_id for row_id, _ in timeline] == [
            rows[0][0],
            rows[2][0],
            rows[1][0],
            rows[3][0],
        ]
        assert query.timeline("pay_nobody") == []
        assert query.timeline("' OR 1=1 --") == []


def test_file_stats_and_search_progress(tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite"
    hb.write(path, list(hb.generate(0)))
    with EventQuery(path) as query:
        stats = query.file_stats()
        assert stats.oldest_received_at is None and stats.count_estimate == 0
        assert stats.size_bytes >= os.path.getsize(path) > 0
    rows = hb.write(path, list(hb.generate(300)))
    with EventQuery(path) as query:
        assert query.file_stats() == FileStats(
            size_bytes=query.file_stats().size_bytes,
            oldest_received_at=rows[0][1].received_at,
            count_estimate=300,
        )
        assert query.search_progress().behind == 300
        with SearchIndexer(path, batch_rows=100) as indexer:
            assert indexer.index_some(250) == 250
        progress = query.search_progress()
        assert (progress.indexed_upto, progress.max_id, progress.behind) == (250, 300, 50)
        assert not progress.caught_up


def test_read_only_connection_cannot_write(query: EventQuery, history: History) -> None:
    with pytest.raises(sqlite3.OperationalError):
        query._db.conn.execute("DELETE FROM events")
    assert query.count(EventFilter()) == N


def test_missing_file_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no history file"):
        EventQuery(tmp_path / "absent.sqlite")
