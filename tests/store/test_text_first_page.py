"""A text search's first page read from the newest matches equals the full query's, in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery, SortKey
from opsdesk.store.search import SearchIndexer
from opsdesk.store.text_first_page import text_first_page
from tests.store import history_builder as hb

N = 900
FILTERS = (
    EventFilter(text="payment"),  # nearly every body
    EventFilter(text="payment", statuses=("failed",)),
    EventFilter(text="foxtrot"),
    EventFilter(text="payment", merchants=("merchant-01",), statuses=("failed",)),
    EventFilter(text="nowhere-to-be-found"),
    EventFilter(text="payment", up_to_id=500),
)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("text_page") / "history.sqlite"
    events = list(hb.generate(N))
    hb.write_ids_out_of_time_order(path, events, in_order=700, early=150, spread=300)
    with SearchIndexer(path) as indexer:
        indexer.index_some(10_000)
    return path


def _full(query: EventQuery, f: EventFilter, descending: bool, limit: int) -> list[int]:
    where, params = f.to_sql()
    order = "DESC" if descending else "ASC"
    sql = f"SELECT id FROM events WHERE {where} ORDER BY received_at {order}, id {order} LIMIT ?"
    return [row[0] for row in query._db.conn.execute(sql, [*params, limit])]


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("event_filter", FILTERS, ids=lambda f: f.describe())
def test_first_pages_equal_the_full_query(
    history: Path, event_filter: EventFilter, descending: bool
) -> None:
    with EventQuery(history) as query:
        for limit in (1, 10, 100):
            expected = _full(query, event_filter, descending, limit)
            page = query.ids(event_filter, SortKey.RECEIVED, descending, limit=limit)
            assert list(page) == expected
            for batch in (5, 50, 300, 5000):  # proofs that hold, fail, or need none
                small = text_first_page(
                    query._db.conn, event_filter, descending, limit, batch=batch
                )
                assert small is None or list(small) == expected


def test_rows_out_of_arrival_order_are_not_missed(history: Path) -> None:
    f = EventFilter(text="payment")
    with EventQuery(history) as query:
        newest = _full(query, f, True, 20)
        oldest = _full(query, f, False, 20)
        # Oldest first, rows stored late but received early lead with high ids: outside the
        # batch of the lowest ids, so the proof must refuse and the full query answer.
        assert text_first_page(query._db.conn, f, False, 20, batch=40) is None
        assert list(query.ids(f, limit=20)) == newest
        assert list(query.ids(f, SortKey.RECEIVED, False, limit=20)) == oldest
    assert len(newest) == 20 and oldest != sorted(oldest)


def test_in_order_history_is_proved_from_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    hb.write(path, list(hb.generate(300)))
    with SearchIndexer(path) as indexer:
        indexer.index_some(1000)
    f = EventFilter(text="payment")
    with EventQuery(path) as query:
        page = text_first_page(query._db.conn, f, True, 10, batch=30)
        assert page is not None and list(page) == _full(query, f, True, 10)
