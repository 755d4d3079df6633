"""The rows an export reads, a chunk per short read: a list of ids, or a time-ordered keyset.

Listing every matching id first costs 8 bytes a row and one query over the whole match before
the first line is written, and each chunk of listed ids is then joined back to its rows and
sorted into list order. A filter of time bounds only (everything, or a time range: the common
large export) is read instead a page at a time in (received_at, id) order, each page after the
last one's key, straight off the received_at index: the same rows in the same order. It is
frozen at the row id that was newest when the export started, as the id list was by being
listed then; its total, for progress, is counted at the start.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery, pages_in_time_order

__all__ = ["CHUNK_ROWS", "ExportSource", "TimeOrderedRows", "chunks", "source_size", "time_ordered"]

CHUNK_ROWS = 2000
# Appended to the caller's expressions: the key of the next page, and the rows' time range.
KEY_EXPRESSIONS = ("events.received_at", "events.id")


@dataclass(frozen=True, slots=True)
class TimeOrderedRows:
    """A filter's rows stored up to row `up_to_id`, oldest first, read by keyset."""

    filter: EventFilter  # time bounds only
    up_to_id: int
    total: int  # counted at the start, for progress


ExportSource = Sequence[int] | TimeOrderedRows


def time_ordered(query: EventQuery, event_filter: EventFilter) -> TimeOrderedRows | None:
    """The filter's rows as they stand now, oldest first; None if keyset pages cannot serve it."""
    if not pages_in_time_order(event_filter):
        return None
    newest = query.max_id()
    if event_filter.up_to_id is not None:
        newest = min(newest, event_filter.up_to_id)
    return TimeOrderedRows(event_filter, newest, query.count_up_to(event_filter, newest))


def source_size(source: ExportSource) -> int:
    return source.total if isinstance(source, TimeOrderedRows) else len(source)


def chunks(
    query: EventQuery, source: ExportSource, expressions: Sequence[str]
) -> Iterator[tuple[list[tuple[Any, ...]], int]]:
    """(rows, progress) per chunk; each row is `expressions` then received_at and id.

    Progress counts towards `source_size` and reaches it at the end, as an id list's did even
    when rows were removed (retention) in the meantime.
    """
    selected = [*expressions, *KEY_EXPRESSIONS]
    if not isinstance(source, TimeOrderedRows):
        for start in range(0, len(source), CHUNK_ROWS):
            rows = query.select_by_ids(source[start : start + CHUNK_ROWS], selected)
            yield rows, min(start + CHUNK_ROWS, len(source))
        return
    read = 0
    after: tuple[str, int] | None = None
    while True:
        rows = query.select_in_time_order(
            source.filter, selected, source.up_to_id, after, CHUNK_ROWS
        )
        read += len(rows)
        if len(rows) < CHUNK_ROWS:
            if rows or read < source.total:
                yield rows, source.total
            return
        yield rows, min(read, source.total)
        after = (rows[-1][-2], rows[-1][-1])
