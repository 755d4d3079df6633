"""Park and send home on the real broker: the routing key survives the round trip (finding 7).

A queue without a dead-letter exchange has its messages parked (dead-lettered into a parking
queue, created on the way) and then sent home; each message is followed by its message id and
checked for its routing key at every stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pika.exceptions
import pytest

from opsdesk.operations.errors import NotFound, ReadOnlyProfile
from opsdesk.operations.plan import Action, Destination, HomeTarget
from opsdesk.operations.routing_keys import (
    ORIGINAL_EXCHANGE,
    ORIGINAL_ROUTING_KEY,
    PARKED_BY,
    PARKED_FROM,
)
from opsdesk.operations.send_home import RETRY_HEADER
from opsdesk.operations.service import Operations
from opsdesk.store.audit import AuditLog
from tests.commands.test_write_commands import run
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, make_profile, peek_all

pytestmark = pytest.mark.broker

KEY = "payment.settled"


@dataclass(frozen=True)
class Payments:
    exchange: str  # topic exchange the payment system publishes to
    work: str  # the stuck queue, bound to payment.#, no dead-letter exchange
    audit: str  # another queue bound to the same exchange (must never get a second copy)
    parking: str  # not declared: parking creates it


@pytest.fixture
def payments(broker: BrokerObjects, unique_name: str) -> Payments:
    exchange = broker.exchange(unique_name + ".payments", "topic")
    work = broker.queue(unique_name + ".settlement")
    other = broker.queue(unique_name + ".ledger")
    broker.channel.queue_bind(work, exchange, "payment.#")
    broker.channel.queue_bind(other, exchange, "payment.#")
    parking = broker.track_queue(unique_name + ".parking")
    return Payments(exchange, work, other, parking)


def queue_exists(broker: BrokerObjects, queue: str) -> bool:
    channel = broker.connection.channel()
    try:
        channel.queue_declare(queue, passive=True)
    except pika.exceptions.ChannelClosedByBroker as exc:
        assert exc.reply_code == 404
        return False
    channel.close()
    return True


def publish(broker: BrokerObjects, payments: Payments, n: int) -> list[str]:
    ids = [f"pay-{i}" for i in range(n)]
    for mid in ids:
        broker.publish(payments.exchange, KEY, b'{"status": "succeeded"}', message_id=mid)
    drain(broker, payments.audit)  # the ledger consumed its copies
    return ids


def test_park_into_a_new_queue_then_send_home_keeps_the_routing_key(
    broker: BrokerObjects, payments: Payments, ops: Operations, db_path: Path
) -> None:
    ids = publish(broker, payments, 3)
    with pytest.raises(NotFound, match="create-parking-queue"):
        ops.plan_dead_letter(payments.work, parking_queue=payments.parking)
    assert not queue_exists(broker, payments.parking)  # a preview creates nothing

    plan = ops.plan_dead_letter(
        payments.work, parking_queue=payments.parking, create_parking_queue=True
    )
    assert plan.action is Action.DEAD_LETTER and "routing key" in plan.method
    assert any("will be created" in w for w in plan.warnings)
    result = ops.execute(plan)
    assert result.ok and result.done == 3
    assert any("created queue" in note for note in result.notes)

    parked = peek_all(broker, payments.parking)
    assert [g.props.message_id for g in parked] == ids
    assert [g.routing_key for g in parked] == [KEY] * 3
    headers = parked[0].props.headers
    assert headers[PARKED_FROM] == payments.work and headers[PARKED_BY] == "tester"
    assert headers[ORIGINAL_EXCHANGE] == payments.exchange
    assert headers[ORIGINAL_ROUTING_KEY] == KEY
    assert "BCC" not in headers  # the broker removes it before delivery

    home_plan = ops.plan_send_home(payments.parking)
    assert home_plan.destinations == (Destination.queue(payments.work),)
    assert [i.routing_key for i in home_plan.items] == [KEY] * 3
    assert ops.execute(home_plan).ok

    home = drain(broker, payments.work)
    assert [g.props.message_id for g in home] == ids
    assert [g.routing_key for g in home] == [KEY] * 3
    assert all(g.props.headers[RETRY_HEADER] == 1 for g in home)
    assert all(PARKED_FROM not in g.props.headers for g in home)  # the park is over
    assert broker.message_count(payments.parking) == 0
    assert broker.message_count(payments.audit) == 0  # the ledger got no second copy
    with AuditLog(db_path, readonly=True) as audit:
        records = audit.records(10, action="dead-letter")
    intent = records[-1]
    assert intent.outcome == "started" and intent.detail["creates_queue"] == payments.parking


def test_parked_messages_can_go_home_through_their_original_exchange(
    broker: BrokerObjects, payments: Payments, ops: Operations
) -> None:
    ids = publish(broker, payments, 2)
    ops.execute(
        ops.plan_dead_letter(
            payments.work, parking_queue=payments.parking, create_parking_queue=True
        )
    )
    plan = ops.plan_send_home(payments.parking, target=HomeTarget.EXCHANGE)
    assert plan.destinations == (Destination(payments.exchange, KEY),)
    assert ops.execute(plan).ok
    for queue in (payments.work, payments.audit):  # every queue bound there, as chosen
        got = drain(broker, queue)
        assert [(g.props.message_id, g.routing_key) for g in got] == [(i, KEY) for i in ids]


def test_broker_dead_letters_go_home_with_their_routing_key(
    broker: BrokerObjects, unique_name: str, ops: Operations
) -> None:
    exchange = broker.exchange(unique_name + ".payments", "topic")
    dlx = broker.exchange(unique_name + ".dlx", "fanout")
    dlq = broker.queue(unique_name + ".dlq")
    broker.channel.queue_bind(dlq, dlx)
    work = broker.queue(
        unique_name + ".work",
        **{"x-dead-letter-exchange": dlx, "x-dead-letter-routing-key": "dead"},
    )
    broker.channel.queue_bind(work, exchange, "payment.#")
    broker.publish(exchange, "payment.failed", b"{}", message_id="p-1")
    assert ops.execute(ops.plan_dead_letter(work)).ok
    (dead,) = peek_all(broker, dlq)
    assert dead.routing_key == "dead"  # the DLX's key; x-death keeps the original
    assert ops.execute(ops.plan_send_home(dlq)).ok
    (home,) = drain(broker, work)
    assert home.props.message_id == "p-1" and home.routing_key == "payment.failed"


def test_a_queue_named_like_the_routing_key_gets_no_copy(
    broker: BrokerObjects, payments: Payments, ops: Operations, unique_name: str
) -> None:
    """Keeping the key through the default exchange would deliver there too: the name wins."""
    ids = publish(broker, payments, 1)
    ops.execute(
        ops.plan_dead_letter(
            payments.work, parking_queue=payments.parking, create_parking_queue=True
        )
    )
    namesake = broker.queue(KEY)
    try:
        plan = ops.plan_send_home(payments.parking)
        assert [i.routing_key for i in plan.items] == [payments.work]
        assert ops.execute(plan).ok
        (home,) = drain(broker, payments.work)
        assert home.props.message_id == ids[0] and home.routing_key == payments.work
        assert home.props.headers[ORIGINAL_ROUTING_KEY] == KEY
        assert broker.message_count(namesake) == 0
    finally:
        broker.channel.queue_delete(namesake)


def test_the_command_creates_the_parking_queue_and_a_read_only_profile_does_not(
    broker: BrokerObjects, payments: Payments, db_path: Path
) -> None:
    ids = publish(broker, payments, 2)
    args = ("dead-letter", "--queue", payments.work, "--parking-queue", payments.parking)
    missing = run(db_path, *args, "--yes")
    assert missing.code == 1 and "--create-parking-queue" in missing.err

    read_only = make_profile(read_only=True)
    preview = run(db_path, *args, "--create-parking-queue", "--dry-run", profile=read_only)
    assert preview.code == 0 and "will be created" in preview.out
    refused = run(db_path, *args, "--create-parking-queue", "--yes", profile=read_only)
    assert refused.code == 1 and "read-only" in refused.err
    with pytest.raises(ReadOnlyProfile):
        Operations(read_only, db_path).execute(
            Operations(make_profile(), db_path).plan_dead_letter(
                payments.work, parking_queue=payments.parking, create_parking_queue=True
            )
        )
    assert not queue_exists(broker, payments.parking)  # nothing created on a read-only profile
    assert broker.message_count(payments.work) == 2
    created = run(db_path, *args, "--create-parking-queue", "--yes")
    assert created.code == 0, created.err
    got = drain(broker, payments.parking)
    assert [(g.props.message_id, g.routing_key) for g in got] == [(i, KEY) for i in ids]
