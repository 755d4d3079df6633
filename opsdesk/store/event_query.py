"""Read-only queries for a lazy history table: ordered row ids for a filter, then rows by id.

As in anki's browser model, the table holds the ordered ids of every matching row (8 bytes
each) and fetches the rows it shows by id in pages. Time order is (received_at, id): the
order of the `received_at` and `(status, received_at)` indexes, whose entries end in the row
id, so a time-ordered page comes straight off the index that also serves the filter. (Plain id
order would tempt SQLite to walk the whole table, bodies and all, instead.)
"""

from __future__ import annotations

import enum
import logging
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from opsdesk.events.model import PaymentEvent
from opsdesk.store.database import HistoryConnection, open_history
from opsdesk.store.errors import store_failures
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_store import event_from_row
from opsdesk.store.retention import history_size
from opsdesk.store.search import SearchProgress, search_progress
from opsdesk.store.sorted_first_page import SORT_INDEXED_COLUMNS, sorted_first_page
from opsdesk.store.text_first_page import text_first_page

__all__ = [
    "EXPORTABLE_COLUMNS",
    "SUGGESTABLE_COLUMNS",
    "EventQuery",
    "FileStats",
    "SortKey",
    "pages_in_time_order",
]

log = logging.getLogger(__name__)

_COLUMNS = ", ".join(f.name for f in fields(PaymentEvent))
SUGGESTABLE_COLUMNS = frozenset(
    {"type", "status", "merchant", "currency", "error_code", "routing_key", "exchange"}
)
EXPORTABLE_COLUMNS = frozenset({"id", *(f.name for f in fields(PaymentEvent))})
_SELECT = f"SELECT id, {_COLUMNS} FROM events"
# Rows fetched per statement in rows(); bound as one JSON array, so no variable limit applies.
_ROWS_CHUNK = 5000
READER_CACHE_KIB = 16 * 1024


class SortKey(enum.StrEnum):
    RECEIVED = "received_at"  # then id: index order, free
    OCCURRED = "occurred_at"
    AMOUNT = "amount_minor"
    MERCHANT = "merchant"
    STATUS = "status"
    TYPE = "type"
    PAYMENT = "payment_id"


# Sorts served by an index of their own (migration 14), ending in the id as the tie-break.
_SORT_INDEXED = frozenset(SortKey(c) for c in SORT_INDEXED_COLUMNS)


@dataclass(frozen=True, slots=True)
class FileStats:
    """What the operator sees about the history file itself."""

    size_bytes: int  # the database plus its WAL
    oldest_received_at: str | None
    count_estimate: int  # from the id range: exact unless rows in the middle were removed


class EventQuery(HistoryConnection):
    """A read-only connection to the history file; one per thread."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._db: Database = open_history(self._path, readonly=True)
        self._db.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
        self._closed = False

    @property
    def path(self) -> Path:
        return self._path

    def count(self, filter: EventFilter, limit: int | None = None) -> int:
        """Matching rows; with `limit`, at most `limit` (a result equal to it means "at least")."""
        where, params = filter.to_sql()
        if limit is None:
            sql = f"SELECT count(*) FROM events WHERE {where}"
        else:
            sql = f"SELECT count(*) FROM (SELECT 1 FROM events WHERE {where} LIMIT ?)"
            params = [*params, int(limit)]
        return int(self._fetch(sql, params)[0][0])

    def ids(
        self,
        filter: EventFilter,
        order_by: SortKey = SortKey.RECEIVED,
        descending: bool = True,
        limit: int | None = None,
    ) -> array[int]:
        """Row ids of matching events in display order (ties broken by id), at most `limit`."""
        if limit is not None:
            page = self._first_page(filter, order_by, descending, int(limit))
            if page is not None:
                return page
        where, params = filter.to_sql()
        # A sort index (migration 14) serves an unfiltered list; with a filter, the rows it
        # keeps are found first and sorted, as before the index existed.
        unfiltered = replace(filter, up_to_id=None).is_empty
        order = _order(order_by, descending, by_index=unfiltered)
        sql = f"SELECT id FROM events WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params = [*params, int(limit)]
        started = time.perf_counter()
        with store_failures(f"cannot read {self._path}"):
            cursor = self._db.conn.execute(sql, params)
            result: array[int] = array("q")
            while chunk := cursor.fetchmany(50_000):
                result.extend(row[0] for row in chunk)
        log.debug("ids: %d rows in %.1f ms", len(result), (time.perf_counter() - started) * 1e3)
        return result

    def _first_page(
        self, filter: EventFilter, order_by: SortKey, descending: bool, limit: int
    ) -> array[int] | None:
        """A first page read without sorting every match, when it can be proved; else None."""
        conn = self._db.conn
        with store_failures(f"cannot read {self._path}"):
            if order_by is SortKey.RECEIVED:
                return text_first_page(conn, filter, descending, limit)
            if replace(filter, up_to_id=None).is_empty:
                return None  # the plain query reads the page straight off the index
            return sorted_first_page(conn, filter, SortKey(order_by).value, descending, limit)

    def rows(self, ids: Iterable[int]) -> dict[int, PaymentEvent]:
        """The events with these row ids (ids that no longer exist are absent)."""
        wanted = [int(i) for i in ids]
        found: dict[int, PaymentEvent] = {}
        for start in range(0, len(wanted), _ROWS_CHUNK):
            chunk = wanted[start : start + _ROWS_CHUNK]
            sql = f"{_SELECT} WHERE id IN (SELECT value FROM json_each(?))"
            for row in self._fetch(sql, [_json_ints(chunk)]):
                found[row[0]] = event_from_row(row)
        return found

    def values(self, ids: Sequence[int], columns: Sequence[str]) -> list[tuple[Any, ...]]:
        """Raw column values of these rows in the order of `ids` (missing rows skipped)."""
        unknown = [c for c in columns if c not in EXPORTABLE_COLUMNS]
        if unknown:
            raise ValueError(f"unknown columns {unknown}")
        return self.select_by_ids(ids, [f"events.{c}" for c in columns])

    def select_by_ids(
        self, ids: Sequence[int], expressions: Sequence[str]
    ) -> list[tuple[Any, ...]]:
        """SQL `expressions` over these rows, in the order of `ids` (missing rows skipped).

        The expressions are trusted SQL built by opsdesk from whitelisted column names, never
        from user text; the ids travel as one bound JSON array.
        """
        sql = (
            f"SELECT {', '.join(expressions)} FROM json_each(?) AS wanted "
            "CROSS JOIN events ON events.id = wanted.value ORDER BY wanted.key"
        )
        return self._fetch(sql, [_json_ints(ids)])

    def known_values(self, column: str, recent: int = 100_000, limit: int = 1000) -> list[str]:
        """Distinct values of `column` among the `recent` newest rows, sorted: for completion.

        Bounded so it costs the same on any history (~0.1 s per 100k rows scanned); a value
        seen only in older rows is missing, which is fine for suggestions.
        """
        if column not in SUGGESTABLE_COLUMNS:
            raise ValueError(f"no suggestions for column {column!r}")
        sql = (
            f"SELECT DISTINCT {column} FROM (SELECT {column} FROM events ORDER BY id DESC LIMIT ?) "
            f"WHERE {column} IS NOT NULL ORDER BY {column} LIMIT ?"
        )
        return [str(row[0]) for row in self._fetch(sql, [int(recent), int(limit)])]

    def newer_ids(self, filter: EventFilter, after_id: int, limit: int = 10_000) -> array[int]:
        """Ids above `after_id` that match, oldest first (call again while it returns `limit`)."""
        where, params = filter.to_sql()
        sql = f"SELECT id FROM events WHERE events.id > ? AND {where} ORDER BY id LIMIT ?"
        rows = self._fetch(sql, [int(after_id), *params, int(limit)])
        return array("q", (row[0] for row in rows))

    def count_up_to(self, filter: EventFilter, up_to_id: int) -> int:
        """Matching rows stored up to row `up_to_id`, counted off an index (`+id`: the rowid
        range would read every page of the table)."""
        where, params = replace(filter, up_to_id=None).to_sql()
        sql = f"SELECT count(*) FROM events WHERE {where} AND +events.id <= ?"
        return int(self._fetch(sql, [*params, int(up_to_id)])[0][0])

    def select_in_time_order(
        self,
        filter: EventFilter,
        expressions: Sequence[str],
        up_to_id: int,
        after: tuple[str, int] | None,
        limit: int,
    ) -> list[tuple[Any, ...]]:
        """SQL `expressions` over the next `limit` matching rows stored up to row `up_to_id`,
        in time order (received_at, id), after the row whose (received_at, id) is `after`.

        A page by keyset off the received_at index, for a filter of time bounds only (see
        `pages_in_time_order`): each page costs the same however deep into the history.
        """
        if not pages_in_time_order(filter):
            raise ValueError(f"not a filter of time bounds only: {filter}")
        # One lower bound at a time: given `since` and a key, SQLite may range over `since`
        # and filter out every row before the key, reading more on each page.
        where, params = replace(
            filter, up_to_id=None, since=None if after else filter.since
        ).to_sql()
        if after is not None:
            where += " AND (events.received_at, events.id) > (?, ?)"
            params += [after[0], int(after[1])]
        sql = (
            f"SELECT {', '.join(expressions)} FROM events WHERE {where} AND +events.id <= ? "
            "ORDER BY events.received_at, events.id LIMIT ?"
        )
        return self._fetch(sql, [*params, int(up_to_id), int(limit)])

    def max_id(self) -> int:
        """The newest row id, 0 for an empty history."""
        return int(self._fetch("SELECT coalesce(max(id), 0) FROM events", [])[0][0])

    def received_at_up_to(self, row_id: int) -> str | None:
        """When the newest row at or below `row_id` was received; None when there is none."""
        rows = self._fetch(
            "SELECT received_at FROM events WHERE id <= ? ORDER BY id DESC LIMIT 1", [int(row_id)]
        )
        return str(rows[0][0]) if rows else None

    def timeline(self, payment_id: str, limit: int = 10_000) -> list[tuple[int, PaymentEvent]]:
        """Every event of one payment in the order it happened (producer time, else arrival)."""
        sql = (
            f"{_SELECT} WHERE payment_id = ? "
            "ORDER BY coalesce(occurred_at, received_at), received_at, id LIMIT ?"
        )
        rows = self._fetch(sql, [payment_id, int(limit)])
        return [(row[0], event_from_row(row)) for row in rows]

    def file_stats(self) -> FileStats:
        """Size on disk, oldest event and an estimate of the row count, all cheap."""
        size = history_size(self._path)
        # One aggregate per statement: only then does SQLite read min/max off an index end.
        low = self._fetch("SELECT min(id) FROM events", [])[0][0]
        high = self._fetch("SELECT max(id) FROM events", [])[0][0]
        oldest = self._fetch("SELECT min(received_at) FROM events", [])[0][0]
        estimate = 0 if low is None else int(high) - int(low) + 1
        return FileStats(size_bytes=size, oldest_received_at=oldest, count_estimate=estimate)

    def search_progress(self) -> SearchProgress:
        """How far the body search index has got (the text filter sees only indexed rows)."""
        with store_failures(f"cannot read {self._path}"):
            return search_progress(self._db.conn)

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        # fetchall() so no half-read cursor keeps a WAL snapshot (and blocks checkpoints).
        with store_failures(f"cannot read {self._path}"):
            return self._db.conn.execute(sql, params).fetchall()


def pages_in_time_order(filter: EventFilter) -> bool:
    """Whether `select_in_time_order` serves `filter`: time bounds and a row bound only, which
    the received_at index answers in order. (Other conditions could lead SQLite to another index
    and a sort of every remaining match on each page; the body search index grows meanwhile.)"""
    return replace(filter, since=None, until=None, up_to_id=None).is_empty


def _order(key: SortKey, descending: bool, by_index: bool = True) -> str:
    """ORDER BY text from the whitelist; NULLs sort as the smallest values either way."""
    direction = "DESC" if descending else "ASC"
    key = SortKey(key)
    if key is SortKey.RECEIVED:
        return f"events.received_at {direction}, events.id {direction}"
    column = f"events.{key.value}"
    if key in _SORT_INDEXED and not by_index:
        column = "+" + column  # same order, not read off the index
    return f"{column} {direction}, events.id {direction}"


def _json_ints(values: Sequence[int]) -> str:
    return "[" + ",".join(map(str, values)) + "]"
