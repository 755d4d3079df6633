"""Pages sorted by amount or merchant: the same rows in the same order with the sort indexes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from opsdesk.events.model import PaymentEvent
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery, SortKey
from opsdesk.store.sorted_first_page import sorted_first_page
from tests.store import history_builder as hb

FILTERS = (
    EventFilter(),
    EventFilter(up_to_id=250),
    EventFilter(statuses=("failed",)),
    EventFilter(merchants=("merchant-01", "")),
    EventFilter(amount_min=-1000, amount_max=100_000),
)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, Any]]]:
    path = tmp_path_factory.mktemp("sort_pages") / "history.sqlite"
    events = list(hb.generate(400))
    for i in range(0, 400, 9):  # NULLs and ties among the sorted values
        events[i] = replace(events[i], amount_minor=None, merchant=None)
    for i in range(3, 400, 11):
        events[i] = replace(events[i], amount_minor=-500, merchant="")
    return path, hb.write(path, events)


def _expected(
    rows: list[tuple[int, PaymentEvent]], f: EventFilter, key: SortKey, descending: bool
) -> list[int]:
    """The order the history promises: NULL smallest, then by value, ties by row id."""
    kept = [(i, e) for i, e in rows if _keeps(f, i, e)]
    attr = key.value

    def rank(pair: tuple[int, PaymentEvent]) -> tuple[bool, Any, int]:
        value = getattr(pair[1], attr)
        return (value is not None, value if value is not None else 0, pair[0])

    return [i for i, _ in sorted(kept, key=rank, reverse=descending)]


def _keeps(f: EventFilter, row_id: int, e: PaymentEvent) -> bool:
    amount = e.amount_minor
    return (
        (f.up_to_id is None or row_id <= f.up_to_id)
        and (not f.statuses or e.status in f.statuses)
        and (not f.merchants or e.merchant in f.merchants)
        and (f.amount_min is None or (amount is not None and amount >= f.amount_min))
        and (f.amount_max is None or (amount is not None and amount <= f.amount_max))
    )


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("key", [SortKey.AMOUNT, SortKey.MERCHANT])
@pytest.mark.parametrize("event_filter", FILTERS, ids=lambda f: f.describe())
def test_pages_equal_the_promised_order(
    history: tuple[Path, list[tuple[int, PaymentEvent]]],
    event_filter: EventFilter,
    key: SortKey,
    descending: bool,
) -> None:
    path, rows = history
    expected = _expected(rows, event_filter, key, descending)
    with EventQuery(path) as query:
        assert list(query.ids(event_filter, key, descending)) == expected
        for limit in (1, 7, 100):
            assert list(query.ids(event_filter, key, descending, limit=limit)) == expected[:limit]
    assert expected


@pytest.mark.parametrize("key", [SortKey.AMOUNT, SortKey.MERCHANT])
def test_unfiltered_page_comes_off_its_index_and_filtered_ones_do_not(
    history: tuple[Path, list[tuple[int, PaymentEvent]]], key: SortKey
) -> None:
    path, _ = history
    index = f"events_{key.value}"
    with EventQuery(path) as query:
        conn = query._db.conn
        plain = f"SELECT id FROM events ORDER BY events.{key.value} DESC, events.id DESC LIMIT 1"
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + plain))
        assert index in plan and "TEMP B-TREE" not in plan
        where, params = EventFilter(merchants=("m",), amount_min=5).to_sql()
        filtered = f"SELECT id FROM events WHERE {where} ORDER BY received_at DESC LIMIT 1"
        plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + filtered, params))
        assert index not in plan


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("column", ["amount_minor", "merchant"])
@pytest.mark.parametrize("event_filter", FILTERS[1:], ids=lambda f: f.describe())
def test_a_page_from_a_short_walk_of_the_index_is_the_full_querys(
    history: tuple[Path, list[tuple[int, PaymentEvent]]],
    event_filter: EventFilter,
    column: str,
    descending: bool,
) -> None:
    path, rows = history
    expected = _expected(rows, event_filter, SortKey(column), descending)
    proved = 0
    with EventQuery(path) as query:
        for limit in (1, 10, 50):
            for batch in (10, 60, 1000):  # walks that hold a page, or not
                page = sorted_first_page(
                    query._db.conn, event_filter, column, descending, limit, batch=batch
                )
                assert page is None or list(page) == expected[:limit]
                proved += page is not None
    assert proved  # the largest walk always holds a page


def test_text_filters_are_left_to_the_full_query(
    history: tuple[Path, list[tuple[int, PaymentEvent]]],
) -> None:
    path, _ = history
    with EventQuery(path) as query:
        f = EventFilter(text="payment")
        assert sorted_first_page(query._db.conn, f, "amount_minor", True, 10) is None
        assert sorted_first_page(query._db.conn, EventFilter(), "status", True, 10) is None
