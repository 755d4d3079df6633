"""The jobs the history table runs on the query thread: ordered ids, and ids stored since."""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass

from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery, SortKey


@dataclass(frozen=True, slots=True)
class IdList:
    ids: array[int]  # display order
    top_id: int  # the newest row id in the file just before the ids were read
    above_top: frozenset[int]  # ids in the list stored while it was being read


@dataclass(frozen=True, slots=True)
class NewIds:
    ids: array[int]  # oldest first
    top_id: int  # poll again from here


def ids_job(
    event_filter: EventFilter, key: SortKey, descending: bool, limit: int | None = None
) -> Callable[[EventQuery], IdList]:
    """Read the matching ids in display order, at most `limit`."""

    def job(query: EventQuery) -> IdList:
        top = query.max_id()
        ids = query.ids(event_filter, key, descending, limit=limit)
        return IdList(ids, top, _above(ids, top))

    return job


def newer_job(event_filter: EventFilter, after: int, limit: int) -> Callable[[EventQuery], NewIds]:
    """Read the matching ids stored after row `after`, and where to continue next time."""

    def job(query: EventQuery) -> NewIds:
        top = query.max_id()
        ids = query.newer_ids(event_filter, after, limit)
        if len(ids) == limit:
            top = ids[-1]  # more to come: continue from here next time
        elif ids:
            # Ids only grow, so a row stored after newer_ids() ran is above both.
            top = max(top, ids[-1])
        return NewIds(ids, max(top, after))

    return job


def _above(ids: array[int], top: int) -> frozenset[int]:
    if not ids or max(ids) <= top:  # max() runs in C; the scan below only when needed
        return frozenset()
    return frozenset(i for i in ids if i > top)
