"""Browsing a real queue: nothing consumed, redelivered set, pages, masking, delivery limits."""

from __future__ import annotations

import pika
import pytest

from opsdesk.operations.browse import WHAT_BROWSING_DOES
from opsdesk.operations.errors import BrowseWarning, NotFound
from opsdesk.operations.service import Operations
from opsdesk.operations.sweep import MAX_PREFETCH
from tests.conftest import BrokerObjects, poll_until
from tests.operations.conftest import drain, peek_all, publish_many

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


def test_quorum_queue_with_a_delivery_limit_and_no_dead_letter_exchange_warns_first(
    broker: BrokerObjects, unique_name: str, ops: Operations
) -> None:
    queue = broker.queue(unique_name + ".qq", **{"x-queue-type": "quorum", "x-delivery-limit": 5})
    ids = publish_many(broker, queue, 3)
    # A quorum queue's ready count can lag a confirmed publish by a moment.
    poll_until(lambda: broker.message_count(queue) == 3, 10, "3 messages in the queue")
    # No dead-letter exchange: a message some consumer had already returned 5 times would be
    # dropped by the browse giving it back, and that the browse cannot see beforehand.
    with pytest.raises(BrowseWarning, match=r"delivery limit of 5 .*no dead-letter exchange"):
        ops.browse(queue)
    page = ops.browse(queue, accept_delivery_limit_risk=True)
    assert sorted(str(m.message_id) for m in page.messages) == ids
    assert [m.delivery_count for m in page.messages] == [0, 0, 0]
    assert any("delivery limit 5 (x-delivery-limit 5" in note for note in page.notes)
    poll_until(lambda: broker.message_count(queue) == 3, 10, "3 messages back in the queue")


def test_history_copies_are_found_without_the_broker(ops: Operations, db_path) -> None:
    from opsdesk.store.event_store import EventStore
    from tests.operations.test_replay import _event

    assert ops.history_copies(["evt-1"]) == {}  # no history file yet
    with EventStore(db_path) as store:
        store.insert_batch([_event(1, "payments")])
    found = ops.history_copies(["evt-1", None, "evt-unknown"])
    assert list(found) == ["evt-1"] and found["evt-1"].payment_id == "pay_1"


def publish_fast(broker: BrokerObjects, queue: str, n: int) -> list[str]:
    """n small messages, confirmed as a batch (publish_many confirms each: slow for thousands)."""
    channel = broker.connection.channel()
    ids = [f"deep-{i:05d}" for i in range(n)]
    for mid in ids:
        channel.basic_publish("", queue, b"{}", pika.BasicProperties(message_id=mid))
    channel.close()
    poll_until(lambda: broker.message_count(queue) == n, 10, f"{n} messages in {queue}")
    return ids


@pytest.mark.parametrize("channel_prefetch", [1000, MAX_PREFETCH])
def test_browse_reaches_past_2000_messages(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations, channel_prefetch: int
) -> None:
    """Finding 5: #2,700 of 2,835 was out of reach; on a chain of channels too."""
    source, _ = queues
    ids = publish_fast(broker, source, 2835)
    page = ops.browse(source, offset=2700, limit=50, channel_prefetch=channel_prefetch)
    assert [m.message_id for m in page.messages] == ids[2700:2750]
    assert [m.position for m in page.messages] == list(range(2700, 2750))
    assert page.complete and page.reached == 2750
    assert any("took the 2,700 message(s) before them" in n for n in page.notes)
    last = ops.browse(source, offset=2800, limit=50, channel_prefetch=channel_prefetch)
    assert [m.message_id for m in last.messages] == ids[2800:]
    assert last.complete
    assert [g.props.message_id for g in peek_all(broker, source)] == ids  # order kept


def test_a_deep_browse_of_a_quorum_queue_reaches_the_page_and_keeps_every_message(
    broker: BrokerObjects, unique_name: str, ops: Operations
) -> None:
    queue = broker.queue(unique_name + ".qq", **{"x-queue-type": "quorum"})
    ids = publish_fast(broker, queue, 2500)
    page = ops.browse(
        queue, offset=2400, limit=50, channel_prefetch=1000, accept_delivery_limit_risk=True
    )
    assert [m.message_id for m in page.messages] == ids[2400:2450]
    assert any("positions of the messages this browse took" in n for n in page.notes)
    # RabbitMQ 3.x puts returned messages behind the others: every one is still there.
    assert sorted(str(g.props.message_id) for g in peek_all(broker, queue)) == ids


def test_a_browse_says_why_it_came_back_short_and_what_to_do(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations
) -> None:
    source, _ = queues
    ids = publish_fast(broker, source, 30)
    beyond = ops.browse(source, offset=40, limit=10)  # brought back to the last page
    assert [m.message_id for m in beyond.messages] == ids[20:] and beyond.complete
    assert (beyond.offset, beyond.asked_offset) == (20, 40)
    assert f"#40 is past the end of '{source}' (30 ready: #0 to #29): showing from #20" in (
        beyond.notes
    )
    short = ops.browse(source, offset=20, limit=10, time_limit=0.0)
    assert not short.complete
    (why,) = [n for n in short.notes if "time limit" in n]
    assert "Move and Dead-letter with a filter" in why
    assert [g.props.message_id for g in peek_all(broker, source)] == ids


def test_a_cancelled_browse_hands_everything_back(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations
) -> None:
    import threading

    source, _ = queues
    ids = publish_fast(broker, source, 50)
    cancel = threading.Event()
    cancel.set()
    page = ops.browse(source, offset=10, limit=10, cancel=cancel)
    assert not page.complete and page.messages == ()
    assert any(n.startswith("the browse was cancelled") for n in page.notes)
    assert [g.props.message_id for g in peek_all(broker, source)] == ids
