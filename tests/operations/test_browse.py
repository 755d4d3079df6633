"""Browsing a real queue: nothing consumed, redelivered set, pages, masking, delivery limits."""

from __future__ import annotations

import pytest

from opsdesk.operations.browse import WHAT_BROWSING_DOES
from opsdesk.operations.errors import BrowseWarning, NotFound
from opsdesk.operations.service import Operations
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, publish_many

pytestmark = pytest.mark.broker


def test_browse_leaves_the_queue_as_it_was_but_redelivered(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations
) -> None:
    source, _ = queues
    ids = publish_many(broker, source, 10)

    first = ops.browse(source, limit=5)
    assert [m.message_id for m in first.messages] == ids[:5]
    assert [m.position for m in first.messages] == [0, 1, 2, 3, 4]
    assert not any(m.redelivered for m in first.messages)
    assert first.complete and first.ready == 10
    assert WHAT_BROWSING_DOES in first.notes
    assert broker.message_count(source) == 10

    second = ops.browse(source, offset=3, limit=5)
    assert [m.message_id for m in second.messages] == ids[3:8]
    assert [m.redelivered for m in second.messages] == [True, True, False, False, False]
    row = second.messages[0]
    assert row.properties["content_type"] == "application/json"
    assert row.headers == {"x-origin": "test", "x-n": 3}
    assert row.size == len(row.body_text.encode()) and '"n": 3' in row.body_text

    after = drain(broker, source)
    assert [g.props.message_id for g in after] == ids  # same messages, same order
    assert [g.redelivered for g in after] == [True] * 8 + [False] * 2


def test_browse_masks_card_numbers_and_stops_at_the_queue_end(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations
) -> None:
    source, _ = queues
    broker.publish(
        "",
        source,
        b'{"card": "4111111111111111"}',
        message_id="pan-1",
        headers={"x-card": "5555555555554444"},
    )
    page = ops.browse(source, limit=50, time_limit=10.0)
    (row,) = page.messages
    assert row.body_text == '{"card": "411111******1111"}'
    assert row.headers == {"x-card": "555555******4444"}
    assert row.size == 28
    assert page.complete and page.elapsed_s < 5.0  # did not wait for 49 more
    assert broker.message_count(source) == 1


def test_browse_of_an_empty_or_missing_queue(
    queues: tuple[str, str], ops: Operations, unique_name: str
) -> None:
    assert ops.browse(queues[0]).messages == ()
    with pytest.raises(NotFound):
        ops.browse(unique_name + ".missing")


def test_quorum_queue_with_a_delivery_limit_warns_first(
    broker: BrokerObjects, unique_name: str, ops: Operations
) -> None:
    queue = broker.queue(unique_name + ".qq", **{"x-queue-type": "quorum", "x-delivery-limit": 5})
    ids = publish_many(broker, queue, 3)
    with pytest.raises(BrowseWarning, match="delivery limit of 5"):
        ops.browse(queue)
    page = ops.browse(queue, accept_delivery_limit_risk=True)
    assert sorted(str(m.message_id) for m in page.messages) == ids
    assert any("delivery limit" in note for note in page.notes)
    assert broker.message_count(queue) == 3


def test_history_copies_are_found_without_the_broker(ops: Operations, db_path) -> None:
    from opsdesk.store.event_store import EventStore
    from tests.operations.test_replay import _event

    assert ops.history_copies(["evt-1"]) == {}  # no history file yet
    with EventStore(db_path) as store:
        store.insert_batch([_event(1, "payments")])
    found = ops.history_copies(["evt-1", None, "evt-unknown"])
    assert list(found) == ["evt-1"] and found["evt-1"].payment_id == "pay_1"
