"""Moving messages on the real broker: exact copies, nothing lost, refusals, exclusivity."""

from __future__ import annotations

import threading
from pathlib import Path

import pika
import pytest

from opsdesk.operations.confirms import ConfirmingPublisher
from opsdesk.operations.errors import NotFound, Refused, SourceBusy
from opsdesk.operations.move import MOVED_AT, MOVED_BY, MOVED_FROM
from opsdesk.operations.plan import Destination, OutcomeStatus, Progress
from opsdesk.operations.selection import MessageFilter, Selection
from opsdesk.operations.service import Operations
from opsdesk.operations.sweep import SweepLimits
from opsdesk.store.audit import AuditLog
from tests.conftest import BROKER_URL, BrokerObjects
from tests.operations.conftest import (
    Got,
    drain,
    kill_mover_mid_move,
    make_profile,
    peek_all,
    publish_many,
    wait_until_all_back,
)

pytestmark = pytest.mark.broker


def test_move_first_n_keeps_the_rest_and_copies_exactly(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 25, priority=3, correlation_id="corr-1")
    originals = {g.props.message_id: g for g in peek_all(broker, source)}

    plan = ops.plan_move(source, Destination.queue(target), Selection(count=10))
    assert plan.count == 10 and plan.count_is_exact and not plan.needs_typed_confirmation
    progress: list[Progress] = []
    result = ops.execute(plan, on_progress=progress.append)

    assert result.ok and result.done == 10, result
    assert progress and progress[-1].done == 10
    moved = drain(broker, target)
    assert [g.props.message_id for g in moved] == ids[:10]
    for copy in moved:
        original = originals[copy.props.message_id]
        assert copy.body == original.body
        for name in ("content_type", "priority", "correlation_id", "timestamp", "delivery_mode"):
            assert getattr(copy.props, name) == getattr(original.props, name), name
        added = {MOVED_FROM: source.encode(), MOVED_BY: b"tester"}
        headers = copy.props.headers
        assert {k: headers[k] for k in ("x-origin", "x-n")} == original.props.headers
        assert {k: _bytes(headers[k]) for k in added} == added
        assert headers[MOVED_AT].endswith("Z")
    assert [g.props.message_id for g in drain(broker, source)] == ids[10:]

    with AuditLog(db_path, readonly=True) as audit:
        record, intent = audit.records(5)
    assert intent.outcome == "started" and record.detail["intent"] == intent.id
    assert record.action == "move" and record.outcome == "ok" and record.count == 10
    assert list(record.message_ids) == ids[:10]
    assert record.source == source and target in record.destination


def _bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def test_move_all_to_an_exchange_with_a_filter(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations, unique_name: str
) -> None:
    source, target = queues
    exchange = broker.exchange(unique_name + ".x", "topic")
    broker.channel.queue_bind(target, exchange, "moved.#")
    ids = publish_many(broker, source, 12)
    plan = ops.plan_move(
        source,
        Destination(exchange, "moved.here"),
        Selection(filter=MessageFilter(body_contains='"n": 1')),  # n = 1, 10, 11
    )
    assert not plan.count_is_exact
    result = ops.execute(plan)
    assert result.ok and result.done == 3
    assert sorted(g.props.message_id for g in drain(broker, target)) == [
        ids[1],
        ids[10],
        ids[11],
    ]
    rest = drain(broker, source)
    assert [g.props.message_id for g in rest] == [
        i for i in ids if i not in (ids[1], ids[10], ids[11])
    ]


def test_move_selected_messages_by_key(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 8)
    page = ops.browse(source, limit=8)
    chosen = [page.messages[2].key, page.messages[6].key]
    result = ops.execute(
        ops.plan_move(source, Destination.queue(target), Selection(keys=tuple(chosen)))
    )
    assert result.ok and result.done == 2
    assert [g.props.message_id for g in drain(broker, target)] == [ids[2], ids[6]]
    assert len(drain(broker, source)) == 6


def test_unroutable_destination_leaves_the_source_untouched(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations, unique_name: str
) -> None:
    source, _ = queues
    exchange = broker.exchange(unique_name + ".nobind", "direct")  # no bindings at all
    ids = publish_many(broker, source, 5)
    result = ops.execute(ops.plan_move(source, Destination(exchange, "nowhere"), Selection()))
    assert not result.ok and result.done == 0
    assert [o.status for o in result.outcomes] == [OutcomeStatus.UNROUTABLE] * 5
    assert {o.message_id for o in result.outcomes} == set(ids)
    assert "NO_ROUTE" in result.outcomes[0].detail
    assert result.outcome == "failed"
    assert [g.props.message_id for g in drain(broker, source)] == ids  # same order, all there


def test_missing_destination_is_refused_before_anything_moves(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations, unique_name: str
) -> None:
    source, _ = queues
    publish_many(broker, source, 3)
    with pytest.raises(NotFound, match="does not exist"):
        ops.plan_move(source, Destination(unique_name + ".missing", "k"))
    with pytest.raises(NotFound):
        ops.plan_move(source, Destination.queue(unique_name + ".missing"))
    with pytest.raises(Refused, match="same queue"):
        ops.plan_move(source, Destination.queue(source))
    assert broker.message_count(source) == 3


def test_cancel_mid_way_loses_nothing(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 60)
    cancel = threading.Event()

    def on_progress(progress: Progress) -> None:
        if progress.done >= 5:
            cancel.set()

    plan = ops.plan_move(source, Destination.queue(target), Selection())
    result = ops.execute(plan, on_progress=on_progress, cancel=cancel, rate_limit=100)
    assert result.cancelled and result.outcome == "cancelled"
    assert 5 <= result.done < 60
    in_target = [g.props.message_id for g in drain(broker, target)]
    in_source = [g.props.message_id for g in drain(broker, source)]
    assert sorted(in_target + in_source) == ids  # every id once: none lost, none doubled
    assert len(in_target) == result.done


def test_a_second_mover_is_refused(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    source, target = queues
    publish_many(broker, source, 3)
    plan = ops.plan_move(source, Destination.queue(target))
    holder = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    channel = holder.channel()
    channel.basic_qos(prefetch_count=1)
    channel.basic_consume(source, lambda *a: None, exclusive=True)  # another desk mid-move
    try:
        with pytest.raises(SourceBusy, match="exclusive access was refused"):
            ops.execute(plan)
    finally:
        holder.close()
    assert broker.message_count(source) == 3 and broker.message_count(target) == 0
    with AuditLog(db_path, readonly=True) as audit:
        record, intent = audit.records(5)
    assert intent.outcome == "started" and record.detail["intent"] == intent.id
    assert record.outcome == "refused" and "exclusive" in record.detail["reason"]


def test_snapshot_ignores_messages_published_during_the_move(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 300)
    plan = ops.plan_move(source, Destination.queue(target))
    started, stop = threading.Event(), threading.Event()
    late: list[str] = []

    def keep_publishing() -> None:
        connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        channel = connection.channel()
        channel.confirm_delivery()
        while not stop.is_set():
            late.append(f"late-{len(late):05d}")
            channel.basic_publish("", source, b"{}", pika.BasicProperties(message_id=late[-1]))
            started.set()
        connection.close()

    publisher = threading.Thread(target=keep_publishing)
    publisher.start()
    try:
        assert started.wait(10)
        result = ops.execute(plan, rate_limit=1000)
    finally:
        stop.set()
        publisher.join(10)
    assert result.ok and result.done == 300
    assert [g.props.message_id for g in drain(broker, target)] == ids
    assert [g.props.message_id for g in drain(broker, source)] == late  # all, in order
    assert len(late) > 10  # the publisher really was adding during the move


def test_two_desks_moving_at_once_never_duplicate(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 200)
    desks = [Operations(make_profile(operator=f"desk{i}"), db_path) for i in range(2)]
    plans = [desk.plan_move(source, Destination.queue(target)) for desk in desks]
    outcomes: list[object] = []

    def run(i: int) -> None:
        try:
            outcomes.append(desks[i].execute(plans[i], rate_limit=2000))
        except SourceBusy as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    moved = [g.props.message_id for g in drain(broker, target)]
    assert sorted(moved) == ids  # each id exactly once
    assert broker.message_count(source) == 0
    assert len(outcomes) == 2


def test_a_mover_killed_mid_move_loses_nothing(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 300)
    kill_mover_mid_move(source, target, db_path, moved=30)
    wait_until_all_back(broker, source, target, len(ids))
    moved = [g.props.message_id for g in drain(broker, target)]
    left = [g.props.message_id for g in drain(broker, source)]
    assert set(moved) | set(left) == set(ids)  # nothing lost
    assert 30 <= len(moved) < len(ids)
    assert len(moved) == len(set(moved)) and len(left) == len(set(left))
    duplicates = set(moved) & set(left)
    assert len(duplicates) <= SweepLimits(snapshot=1).window  # only what was in flight


def test_selected_messages_that_are_gone_are_reported(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 3)
    plan = ops.plan_move(source, Destination.queue(target), Selection(keys=(ids[1], "gone-1")))
    result = ops.execute(plan)
    assert result.done == 1 and not result.ok
    (skipped,) = [o for o in result.outcomes if o.status is OutcomeStatus.SKIPPED]
    assert skipped.key == "gone-1" and "not found" in skipped.detail
    assert [g.props.message_id for g in drain(broker, source)] == [ids[0], ids[2]]


def _publish_fast(queue: str, n: int) -> dict[str, bytes]:
    """n ~1 KB messages with confirms in flight together; message_id -> body."""
    bodies = {f"big-{i:05d}": f'{{"i": {i}, "pad": "{"p" * 1000}"}}'.encode() for i in range(n)}
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    publisher: ConfirmingPublisher[str] = ConfirmingPublisher(connection)
    confirmed = []
    for mid, body in bodies.items():
        while publisher.in_flight >= 1000:
            connection.process_data_events(time_limit=0.01)
            confirmed += publisher.poll()
        props = pika.BasicProperties(message_id=mid, type="payment.failed", headers={"k": 1})
        publisher.publish(mid, "", queue, body, props)
    confirmed += publisher.wait(30)
    connection.close()
    assert [c.status for c in confirmed] == [OutcomeStatus.DONE] * n
    return bodies


def _consume_all(queue: str) -> list[Got]:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    channel = connection.channel()
    got = []
    for method, props, body in channel.consume(queue, auto_ack=True, inactivity_timeout=0.5):
        if method is None:
            break
        got.append(Got(method.routing_key, bool(method.redelivered), props, body))
    channel.cancel()
    connection.close()
    return got


def test_move_ten_thousand_messages_exactly(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations
) -> None:
    source, target = queues
    bodies = _publish_fast(source, 10_000)
    plan = ops.plan_move(source, Destination.queue(target))
    assert plan.count == 10_000 and plan.needs_typed_confirmation
    result = ops.execute(plan)
    assert result.ok and result.done == 10_000
    moved = _consume_all(target)
    assert [g.props.message_id for g in moved] == list(bodies)  # exactly those, in order
    assert all(g.body == bodies[g.props.message_id] for g in moved)
    assert all(g.props.type == "payment.failed" and g.props.headers["k"] == 1 for g in moved)
    assert broker.message_count(source) == 0


def test_destination_deleted_mid_move_stops_and_loses_nothing(
    broker: BrokerObjects, queues: tuple[str, str], ops: Operations, unique_name: str
) -> None:
    source, target = queues
    exchange = unique_name + ".vanishing"
    broker.channel.exchange_declare(exchange, "fanout")
    broker.channel.queue_bind(target, exchange)
    ids = publish_many(broker, source, 200)
    plan = ops.plan_move(source, Destination(exchange, "k"))

    def on_progress(progress: Progress) -> None:
        if progress.done >= 10:
            broker.channel.exchange_delete(exchange)

    result = ops.execute(plan, on_progress=on_progress, rate_limit=500)
    assert result.error is not None and "NOT_FOUND" in result.error
    assert result.outcome == "partial" and 10 <= result.done < 200
    in_target = [g.props.message_id for g in drain(broker, target)]
    in_source = [g.props.message_id for g in drain(broker, source)]
    assert set(in_target) | set(in_source) == set(ids)
    assert len(in_target) == result.done
