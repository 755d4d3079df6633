"""Dead-lettering and sending dead letters home on the real broker."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from opsdesk.operations.errors import BrowseWarning, Refused
from opsdesk.operations.plan import Action, Destination, HomeTarget, OutcomeStatus
from opsdesk.operations.selection import MessageFilter, Selection
from opsdesk.operations.send_home import RETRY_HEADER
from opsdesk.operations.service import Operations
from opsdesk.store.audit import AuditLog
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain

pytestmark = pytest.mark.broker


@dataclass(frozen=True)
class Wiring:
    origin: str  # the topic exchange payments are published to
    work: str  # the queue that fails them; dead-letters into `dlx`
    dlx: str
    dlq: str


@pytest.fixture
def wiring(broker: BrokerObjects, unique_name: str) -> Wiring:
    origin = broker.exchange(unique_name + ".payments", "topic")
    dlx = broker.exchange(unique_name + ".dlx", "fanout")
    work = broker.queue(unique_name + ".work", **{"x-dead-letter-exchange": dlx})
    dlq = broker.queue(unique_name + ".dlq")
    broker.channel.queue_bind(work, origin, "payment.#")
    broker.channel.queue_bind(dlq, dlx, "")
    return Wiring(origin, work, dlx, dlq)


def _publish(broker: BrokerObjects, wiring: Wiring, n: int, **headers: object) -> list[str]:
    ids = [f"pay-{i}" for i in range(n)]
    for i, mid in enumerate(ids):
        broker.publish(
            wiring.origin,
            "payment.failed",
            f'{{"payment_id": "{mid}", "i": {i}}}'.encode(),
            message_id=mid,
            headers=headers or None,
        )
    return ids


def test_dead_letter_uses_the_queue_dlx_and_adds_x_death(
    broker: BrokerObjects, wiring: Wiring, ops: Operations, db_path: Path
) -> None:
    ids = _publish(broker, wiring, 5)
    plan = ops.plan_dead_letter(wiring.work, Selection(count=2))
    assert "reject" in plan.method and plan.count == 2
    result = ops.execute(plan)
    assert result.ok and result.done == 2
    landed = drain(broker, wiring.dlq)
    assert [g.props.message_id for g in landed] == ids[:2]
    death = landed[0].props.headers["x-death"][0]
    assert death["queue"] == wiring.work and death["reason"] == "rejected"
    assert death["exchange"] == wiring.origin and death["routing-keys"] == ["payment.failed"]
    assert [g.props.message_id for g in drain(broker, wiring.work)] == ids[2:]
    with AuditLog(db_path, readonly=True) as audit:
        record = audit.records(1)[0]
    assert record.action == "dead-letter" and list(record.message_ids) == ids[:2]


def test_missing_dead_letter_exchange_is_refused(
    broker: BrokerObjects, unique_name: str, ops: Operations, db_path: Path
) -> None:
    queue = broker.queue(unique_name + ".w", **{"x-dead-letter-exchange": unique_name + ".gone"})
    broker.publish("", queue, b"{}", message_id="a")
    with pytest.raises(Refused, match="does not exist"):
        ops.plan_dead_letter(queue)
    assert broker.message_count(queue) == 1
    with AuditLog(db_path, readonly=True) as audit:
        record = audit.records(1)[0]
    assert record.action == "dead-letter" and record.outcome == "refused"


def test_without_a_usable_dlx_a_parking_queue_is_a_move(
    broker: BrokerObjects, unique_name: str, ops: Operations
) -> None:
    queue = broker.queue(unique_name + ".w", **{"x-dead-letter-exchange": unique_name + ".gone"})
    parking = broker.queue(unique_name + ".parking")
    broker.publish("", queue, b"{}", message_id="a")
    plan = ops.plan_dead_letter(queue, parking_queue=parking)
    assert plan.action is Action.DEAD_LETTER and "parking" in plan.method
    assert any("does not exist" in w for w in plan.warnings)
    assert ops.execute(plan).ok
    assert [g.props.message_id for g in drain(broker, parking)] == ["a"]

    plain = broker.queue(unique_name + ".plain")  # no DLX at all, no parking queue
    with pytest.raises(Refused, match="no dead-letter exchange"):
        ops.plan_dead_letter(plain)


def test_a_dlx_that_routes_a_key_nowhere_leaves_that_message(
    broker: BrokerObjects, unique_name: str, ops: Operations
) -> None:
    dlx = broker.exchange(unique_name + ".dlx", "topic")
    dlq = broker.queue(unique_name + ".dlq")
    broker.channel.queue_bind(dlq, dlx, "refund.#")
    queue = broker.queue(unique_name + ".w", **{"x-dead-letter-exchange": dlx})
    broker.publish("", queue, b"{}", message_id="lost-if-rejected")  # routing key = queue name
    result = ops.execute(ops.plan_dead_letter(queue))
    (outcome,) = result.outcomes
    assert outcome.status is OutcomeStatus.REFUSED and "no binding" in outcome.detail
    assert broker.message_count(queue) == 1 and broker.message_count(dlq) == 0


def test_send_home_returns_dead_letters_with_a_retry_count(
    broker: BrokerObjects, wiring: Wiring, ops: Operations
) -> None:
    ids = _publish(broker, wiring, 3)
    assert ops.execute(ops.plan_dead_letter(wiring.work)).done == 3

    plan = ops.plan_send_home(wiring.dlq)
    assert plan.action is Action.REQUEUE
    assert plan.destinations == (Destination.queue(wiring.work),)
    assert [i.headers_added for i in plan.items] == [{RETRY_HEADER: 1}] * 3
    result = ops.execute(plan)
    assert result.ok and result.done == 3
    home = drain(broker, wiring.work)
    assert [g.props.message_id for g in home] == ids
    assert all(g.props.headers[RETRY_HEADER] == 1 for g in home)
    assert all(g.props.headers["x-death"][0]["queue"] == wiring.work for g in home)
    assert broker.message_count(wiring.dlq) == 0


def test_send_home_refuses_past_the_retry_limit_unless_overridden(
    broker: BrokerObjects, wiring: Wiring, ops: Operations
) -> None:
    _publish(broker, wiring, 2)
    broker.publish(
        wiring.origin, "payment.failed", b"{}", message_id="tired", headers={RETRY_HEADER: 3}
    )
    ops.execute(ops.plan_dead_letter(wiring.work))

    plan = ops.plan_send_home(wiring.dlq, retry_limit=3)
    assert plan.guards == {"retry_limit": 1} and plan.blocked_count == 1
    result = ops.execute(plan)
    assert result.done == 2 and not result.ok
    (refused,) = [o for o in result.outcomes if o.status is OutcomeStatus.REFUSED]
    assert refused.message_id == "tired" and "limit 3" in refused.detail
    assert [g.props.message_id for g in drain(broker, wiring.dlq)] == ["tired"]  # it stayed
    assert sorted(g.props.message_id for g in drain(broker, wiring.work)) == ["pay-0", "pay-1"]


def test_send_home_override_and_exchange_target(
    broker: BrokerObjects, wiring: Wiring, ops: Operations
) -> None:
    broker.publish(
        wiring.origin, "payment.failed", b"{}", message_id="tired", headers={RETRY_HEADER: 3}
    )
    ops.execute(ops.plan_dead_letter(wiring.work))
    plan = ops.plan_send_home(
        wiring.dlq,
        Selection(filter=MessageFilter(routing_key="payment.*")),
        target=HomeTarget.EXCHANGE,
        override_retry_limit=True,
    )
    assert plan.destinations == (Destination(wiring.origin, "payment.failed"),)
    result = ops.execute(plan)
    assert result.ok
    (home,) = drain(broker, wiring.work)
    assert home.props.headers[RETRY_HEADER] == 4 and home.routing_key == "payment.failed"


def test_without_the_management_api_only_a_parking_queue_is_used(
    broker: BrokerObjects, wiring: Wiring, db_path: Path, unique_name: str
) -> None:
    from dataclasses import replace as replace_field

    from opsdesk.config import MonitorSettings
    from tests.operations.conftest import make_profile

    blind = Operations(
        replace_field(make_profile(), monitor=MonitorSettings(management_url="http://127.0.0.1:9")),
        db_path,
    )
    _publish(broker, wiring, 1)
    with pytest.raises(Refused, match="management API is unavailable"):
        blind.plan_dead_letter(wiring.work)
    parking = broker.queue(unique_name + ".parking")
    assert blind.execute(blind.plan_dead_letter(wiring.work, parking_queue=parking)).ok
    assert broker.message_count(parking) == 1 and broker.message_count(wiring.dlq) == 0
    with pytest.raises(BrowseWarning, match="cannot be checked"):
        blind.browse(parking)  # a quorum queue's delivery limit cannot be ruled out
    assert len(blind.browse(parking, accept_delivery_limit_risk=True).messages) == 1
