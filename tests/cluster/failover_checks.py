"""What a failover test checks: the desk back in time, every confirmed event stored once."""

from __future__ import annotations

from pathlib import Path

from opsdesk.store.event_store import EventStore
from tests.cluster.confirmed_publisher import ConfirmedPublisher

FAILOVER_LIMIT = 10.0  # seconds from the node's loss to the desk consuming on another
EVENTS = 1000
RATE = 250.0  # events a second: the publisher runs for 4 s, the node is lost after ~1.2 s


def stored_ids(db: Path) -> list[str]:
    with EventStore(db, readonly=True) as store:
        return [event.event_id for event in store.latest(store.count() + 10)]


def assert_exactly_the_confirmed(db: Path, publisher: ConfirmedPublisher) -> None:
    ids = stored_ids(db)
    assert len(ids) == len(set(ids)), "an event stored twice"
    missing = set(publisher.confirmed) - set(ids)
    assert not missing, f"{len(missing)} confirmed events lost, e.g. {sorted(missing)[:5]}"
    assert set(ids) <= set(publisher.confirmed) | set(publisher.unconfirmed)
