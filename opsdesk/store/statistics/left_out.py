"""Outcome events a count leaves out, and taking them off counts already made.

The counts walk covering indexes over every event (queries.py). Some of what they find is
not an outcome to count: replay copies always (replay_copies.py, read as LeftOut rows), and
by payment the outcomes a later outcome of the same payment supersedes (by_payment.py, counted
per bucket in SQL). Both are few, so they are read apart and taken off: the common counts
stay as fast as they were.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass

from opsdesk.store.statistics.queries import COUNTABLE
from opsdesk.store.statistics.values import NO_VALUE

# The time a count orders and windows events by: the series count by event time (when it
# occurred, else when it was received: queries.py), whole-window counts by received time.
EVENT_TIME = "event_time"
RECEIVED_AT = "received_at"
AXES = frozenset({EVENT_TIME, RECEIVED_AT})


@dataclass(frozen=True, slots=True)
class LeftOut:
    """One outcome event a count found and must not count."""

    status: str
    time: str  # on the axis the count asked for
    merchant: str | None
    currency: str | None
    error_code: str | None


def check_axis(axis: str) -> None:
    if axis not in AXES:
        raise ValueError(f"cannot order outcomes by {axis!r}")


def filter_sql(alias: str, extra: tuple[str, str | None] | None) -> tuple[str, dict[str, object]]:
    """SQL (` AND ...`) and named parameters for an optional (column, value) filter on `alias`.

    The filter as counts_by_index takes it: value None selects the rows without one.
    """
    if extra is None:
        return "", {}
    column, value = extra
    if column not in COUNTABLE:
        raise ValueError(f"cannot count events by {column!r}")
    if value is None:
        return f" AND {alias}.{column} IS NULL", {}
    return f" AND {alias}.{column} = :extra", {"extra": value}


def per_bucket(times: Iterable[str], bounds: Sequence[str]) -> list[int]:
    """How many of `times` fall in each bucket [bounds[i], bounds[i + 1]) (text order)."""
    counts = [0] * (len(bounds) - 1)
    for moment in times:
        index = bisect.bisect_right(bounds, moment) - 1
        if 0 <= index < len(counts):
            counts[index] += 1
    return counts


def tally(rows: Sequence[LeftOut], bounds: Sequence[str], key: str) -> dict[str, list[int]]:
    """Per value of the column `key` (None as NO_VALUE), `rows` per bucket of `bounds`."""
    values = [_value(row, key) for row in rows]
    return {
        value: per_bucket(
            (row.time for row, v in zip(rows, values, strict=True) if v == value), bounds
        )
        for value in set(values)
    }


def take_off(counts: MutableMapping[str, list[int]], less: Mapping[str, Sequence[int]]) -> None:
    """Take `less` off `counts` (value -> counts per bucket), in place.

    A count never goes below zero: what is taken off was counted in the same read transaction.
    """
    for value, fewer in less.items():
        before = counts.get(value, [0] * len(fewer))
        counts[value] = [max(0, n - k) for n, k in zip(before, fewer, strict=True)]


def add_up(
    total: MutableMapping[str, list[int]], more: Mapping[str, Sequence[int]]
) -> MutableMapping[str, list[int]]:
    """`more` added to `total` (value -> counts per bucket), in place; `total` returned."""
    for value, extra in more.items():
        before = total.get(value, [0] * len(extra))
        total[value] = [n + k for n, k in zip(before, extra, strict=True)]
    return total


def _value(row: LeftOut, key: str) -> str:
    value = getattr(row, key)
    return NO_VALUE if value is None else str(value)
