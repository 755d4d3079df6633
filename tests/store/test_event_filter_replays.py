"""The originals / replays criterion: replay copies told from what the payment system sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from opsdesk.store.event_filter import EventFilter, ReplayScope
from opsdesk.store.event_query import EventQuery
from opsdesk.store.event_store import EventStore

if TYPE_CHECKING:
    from tests.store.conftest import MakeEvent


@pytest.fixture
def history(tmp_path: Path, make_event: MakeEvent) -> Path:
    """Four originals (two failed), then two replay copies of the first failure's request."""
    path = tmp_path / "history.sqlite"
    originals = [make_event(n) for n in range(4)]
    copies = [
        make_event(10 + n, payment_id="pay_0", replay_of="evt-000000", replay_attempt=n + 1)
        for n in range(2)
    ]
    with EventStore(path) as store:
        store.insert_batch([*originals, *copies])
    return path


def _event_ids(path: Path, event_filter: EventFilter) -> set[str]:
    with EventQuery(path) as query:
        ids = list(query.ids(event_filter))
        return {e.event_id for e in query.rows(ids).values()}


def test_originals_replays_and_all_split_the_history(history: Path) -> None:
    everything = _event_ids(history, EventFilter())
    originals = _event_ids(history, EventFilter(replays=ReplayScope.ORIGINALS))
    replays = _event_ids(history, EventFilter(replays=ReplayScope.REPLAYS))
    assert replays == {"evt-000010", "evt-000011"}
    assert originals == {f"evt-{n:06d}" for n in range(4)}
    assert originals | replays == everything and not originals & replays
    # Combined with another criterion, as "replays of this payment".
    of_payment = _event_ids(history, EventFilter(payment_id="pay_0", replays=ReplayScope.REPLAYS))
    assert of_payment == replays
    with EventQuery(history) as query:
        assert query.count(EventFilter(replays=ReplayScope.ORIGINALS)) == 4


def test_the_scope_adds_no_value_to_the_sql_and_reads_as_words() -> None:
    sql, params = EventFilter(replays=ReplayScope.ORIGINALS, merchants=("m",)).to_sql()
    assert "events.replay_of IS NULL" in sql and params == ["m"]
    sql, params = EventFilter(replays=ReplayScope.REPLAYS).to_sql()
    assert sql == "events.replay_of IS NOT NULL" and params == []
    assert EventFilter(replays=ReplayScope.ORIGINALS).describe() == "originals only"
    assert EventFilter(replays=ReplayScope.REPLAYS).describe() == "replay copies only"
    assert not EventFilter(replays=ReplayScope.REPLAYS).is_empty


def test_the_scope_round_trips_through_a_saved_filter() -> None:
    f = EventFilter(statuses=("failed",), replays=ReplayScope.ORIGINALS)
    data = json.loads(json.dumps(f.to_dict()))
    assert data == {"statuses": ["failed"], "replays": "originals"}
    assert type(f.to_dict()["replays"]) is str
    assert EventFilter.from_dict(data) == f
    assert EventFilter.from_dict({"replays": "replays"}).replays is ReplayScope.REPLAYS
    assert EventFilter(replays="originals").replays is ReplayScope.ORIGINALS  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        EventFilter(replays="copies")  # type: ignore[arg-type]
