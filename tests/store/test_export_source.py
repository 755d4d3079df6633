"""Exports of time-bounded filters read by keyset: the id list's rows, order and bytes."""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from opsdesk.events.masking import mask_pans
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery, SortKey
from opsdesk.store.export import (
    ALL_COLUMNS,
    DEFAULT_COLUMNS,
    ExportRequest,
    ExportScope,
    export_events,
)
from opsdesk.store.export_rows import ExportFormat, write_rows
from opsdesk.store.export_source import (
    CHUNK_ROWS,
    ExportSource,
    TimeOrderedRows,
    chunks,
    time_ordered,
)
from tests.store import history_builder as hb

N = 5200  # two full chunks and a part
PAN = "4111 1111 1111 1111"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export_source") / "history.sqlite"
    events = list(hb.generate(N))
    for i in range(0, N, 97):  # a refund, a formula and a card number here and there
        events[i] = replace(events[i], amount_minor=-500, merchant=f"=shop {PAN}")
    hb.write_ids_out_of_time_order(path, events, in_order=4000, early=1000, spread=3000)
    return path


def _filters(path: Path) -> list[EventFilter]:
    with EventQuery(path) as query:
        ids = query.ids(EventFilter(), SortKey.RECEIVED, descending=False)
        received = query.values([ids[1000], ids[3500]], ["received_at"])
    since, until = received[0][0], received[1][0]
    return [
        EventFilter(),
        EventFilter(since=since),  # rows at `since` itself are kept
        EventFilter(until=until),
        EventFilter(since=since, until=until),
        EventFilter(up_to_id=4500),
        EventFilter(since=since, up_to_id=4100),
        EventFilter(since="2100-01-01T00:00:00.000Z"),  # nothing
    ]


def _written(
    query: EventQuery, source: ExportSource, fmt: ExportFormat
) -> tuple[str, tuple[int, str | None, str | None]]:
    out = io.StringIO()
    result = write_rows(query, source, fmt, ALL_COLUMNS, out, None, None)
    return out.getvalue(), result


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_keyset_pages_write_what_the_id_list_writes(history: Path, fmt: ExportFormat) -> None:
    with EventQuery(history) as query:
        for f in _filters(history):
            keyset = time_ordered(query, f)
            assert keyset is not None
            ids = query.ids(f, SortKey.RECEIVED, descending=False)
            assert keyset.total == len(ids), f
            text, result = _written(query, keyset, fmt)
            assert (text, result) == _written(query, ids, fmt), f
            assert result[0] == len(ids)
            if f.is_empty:
                assert PAN not in text and mask_pans(PAN) in text
                assert fmt is not ExportFormat.CSV or ",'=shop " in text


def test_pages_run_in_time_order_and_progress_reaches_the_total(history: Path) -> None:
    with EventQuery(history) as query:
        source = time_ordered(query, EventFilter())
        assert source is not None and source.total == N
        read = list(chunks(query, source, ["events.id"]))
        expected = list(query.ids(EventFilter(), SortKey.RECEIVED, descending=False))
    assert [row[0] for rows, _ in read for row in rows] == expected
    assert [len(rows) for rows, _ in read] == [CHUNK_ROWS, CHUNK_ROWS, N - 2 * CHUNK_ROWS]
    assert [done for _, done in read] == [CHUNK_ROWS, 2 * CHUNK_ROWS, N]


def test_rows_stored_after_the_start_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite"
    events = list(hb.generate(2 * CHUNK_ROWS + 300))
    hb.write(path, events[:CHUNK_ROWS])
    with EventQuery(path) as query:
        source = time_ordered(query, EventFilter())
        assert source == TimeOrderedRows(EventFilter(), CHUNK_ROWS, CHUNK_ROWS)
        hb.write(path, events[CHUNK_ROWS:])  # the tap goes on storing, some received earlier
        hb.write(path, [replace(events[5], event_id="early")])
        read = list(chunks(query, source, ["events.id"]))
    # A full first page, then an empty one that proves the end: progress is not repeated.
    assert [(len(rows), done) for rows, done in read] == [(CHUNK_ROWS, CHUNK_ROWS)]
    assert [row[0] for row in read[0][0]] == list(range(1, CHUNK_ROWS + 1))


def test_rows_removed_meanwhile_are_skipped_and_progress_still_ends(tmp_path: Path) -> None:
    path = tmp_path / "pruned.sqlite"
    hb.write(path, list(hb.generate(CHUNK_ROWS + 10)))
    with EventQuery(path) as query:
        source = time_ordered(query, EventFilter())
        assert source is not None
        with sqlite3.connect(path) as conn:  # retention prunes the newest 20 meanwhile
            conn.execute("DELETE FROM events WHERE id > ?", [CHUNK_ROWS - 10])
        read = [(len(rows), done) for rows, done in chunks(query, source, ["events.id"])]
    assert read == [(CHUNK_ROWS - 10, CHUNK_ROWS + 10)]


def test_other_filters_keep_the_id_list(history: Path) -> None:
    with EventQuery(history) as query:
        for f in (
            EventFilter(statuses=("failed",)),
            EventFilter(text="payment"),  # the search index grows during an export
            EventFilter(merchants=("merchant-01",), up_to_id=10),
            EventFilter(decode_errors_only=True),
        ):
            assert time_ordered(query, f) is None
            with pytest.raises(ValueError):
                query.select_in_time_order(f, ["events.id"], 10, None, 10)


def test_each_page_is_a_range_of_the_received_at_index(history: Path) -> None:
    """No page sorts or reads the rows before its key: deep pages cost what the first does."""
    statements: list[str] = []
    with EventQuery(history) as query:
        query._db.conn.set_trace_callback(statements.append)
        for f in _filters(history):
            source = time_ordered(query, f)
            assert source is not None
            for _ in chunks(query, source, ["events.id"]):
                pass
        query._db.conn.set_trace_callback(None)
        pages = [s for s in statements if "ORDER BY events.received_at" in s]
        plans = {
            sql: " ".join(row[3] for row in query._db.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            for sql in pages
        }
    assert len(pages) > len(_filters(history))
    for sql, plan in plans.items():
        assert "INDEX events_received_at" in plan and "TEMP B-TREE" not in plan, plan
        keyed = "(events.received_at, events.id) > (" in sql
        # After the first page the key is the only lower bound: SQLite ranges from it.
        assert not keyed or ("received_at >=" not in sql and "(received_at>?" in plan), sql


def test_a_time_range_export_and_its_manifest(history: Path, tmp_path: Path) -> None:
    f = _filters(history)[3]
    out = tmp_path / "range.jsonl"
    result = export_events(
        history, ExportRequest(ExportScope.of_filter(f), out, ExportFormat.JSONL, DEFAULT_COLUMNS)
    )
    with EventQuery(history) as query:
        ids = query.ids(f, SortKey.RECEIVED, descending=False)
        received = [r[0] for r in query.values(ids, ["received_at"])]
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == list(ids)
    assert (result.rows, result.manifest.first_received_at, result.manifest.last_received_at) == (
        len(ids),
        received[0],
        received[-1],
    )
