"""Declaring a queue against the real broker: previewed, audited, refused on read-only
profiles, and never a second declare of a queue that exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pika.exceptions
import pytest

from opsdesk.broker.management_api import ManagementClient
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.operations.errors import AuditUnavailable, ReadOnlyProfile, Refused
from opsdesk.operations.plan import Action, OutcomeStatus
from opsdesk.operations.queue_arguments import parse_arguments, queue_spec
from opsdesk.operations.service import Operations
from opsdesk.store.audit import STARTED, AuditLog
from tests.conftest import BROKER_URL, BrokerObjects
from tests.operations.conftest import make_profile
from tests.operations.test_audit_first import spoil_directory

pytestmark = pytest.mark.broker


def api_queue(name: str) -> dict[str, Any]:
    entry = ManagementClient(BrokerEndpoint(url=BROKER_URL)).get(
        f"/api/queues/%2F/{name}?columns=name,type,durable,arguments"
    )
    assert isinstance(entry, dict)
    return entry


def declare_records(db_path: Path) -> list[Any]:
    if not db_path.exists():
        return []
    with AuditLog(db_path, readonly=True) as audit:
        return list(reversed(audit.records(action=Action.DECLARE_QUEUE.value)))


def test_a_parking_queue_is_declared_with_its_arguments_and_audited(
    ops: Operations, broker: BrokerObjects, unique_name: str, db_path: Path
) -> None:
    dlx = broker.exchange(unique_name + ".dlx", "fanout")
    name = broker.track_queue(unique_name + ".parking")
    arguments = parse_arguments(
        f"x-dead-letter-exchange={dlx}\nx-max-length=10_000\nx-delivery-limit=5"
    )
    spec = queue_spec(name, "quorum", True, arguments)

    plan = ops.plan_declare_queue(spec)
    assert plan.count == 1
    assert "quorum" in plan.describe() and "x-delivery-limit" in plan.describe()
    assert declare_records(db_path) == []  # a preview writes no audit record
    result = ops.execute(plan)

    assert result.ok, result.outcomes
    entry = api_queue(name)
    assert entry["type"] == "quorum" and entry["durable"] is True
    assert entry["arguments"]["x-max-length"] == 10_000  # an integer, not "10000"
    assert entry["arguments"]["x-dead-letter-exchange"] == dlx
    intent, outcome = declare_records(db_path)
    assert intent.outcome == STARTED and intent.source == name
    assert outcome.outcome == "ok" and outcome.detail["intent"] == intent.id
    assert outcome.id == result.audit_id


def test_an_existing_queue_with_other_arguments_is_refused_plainly(
    ops: Operations, broker: BrokerObjects, unique_name: str, db_path: Path
) -> None:
    name = broker.queue(unique_name + ".q", **{"x-max-length": 10})
    spec = queue_spec(name, "classic", True, {"x-max-length": 20})

    with pytest.raises(Refused) as refused:
        ops.plan_declare_queue(spec)

    text = str(refused.value)
    assert f"Queue {name!r} already exists with other settings" in text
    assert "its x-max-length is 10, not 20" in text
    assert "not declared again" in text
    assert api_queue(name)["arguments"] == {"x-max-length": 10}
    (record,) = declare_records(db_path)
    assert record.outcome == "refused" and "x-max-length" in record.detail["reason"]


def test_an_existing_queue_with_the_same_settings_leaves_nothing_to_do(
    ops: Operations, broker: BrokerObjects, unique_name: str
) -> None:
    name = broker.queue(unique_name + ".q", **{"x-queue-type": "classic", "x-max-length": 10})

    plan = ops.plan_declare_queue(queue_spec(name, "classic", True, {"x-max-length": 10}))

    assert plan.count == 0 and not plan.items
    assert any("exactly these settings: nothing to do" in w for w in plan.warnings)


def test_a_queue_created_between_preview_and_run_is_not_declared_again(
    ops: Operations, broker: BrokerObjects, unique_name: str
) -> None:
    name = unique_name + ".late"
    plan = ops.plan_declare_queue(queue_spec(name, "classic", True, {"x-max-length": 5}))
    broker.queue(name)  # someone else, meanwhile, without arguments

    result = ops.execute(plan)

    (outcome,) = result.outcomes
    assert outcome.status is OutcomeStatus.REFUSED
    assert "created since the preview" in outcome.detail
    assert api_queue(name)["arguments"] == {}


def test_a_read_only_profile_refuses_and_declares_nothing(
    broker: BrokerObjects, unique_name: str, db_path: Path
) -> None:
    ops = Operations(make_profile(read_only=True), db_path)
    name = broker.track_queue(unique_name + ".ro")
    plan = ops.plan_declare_queue(queue_spec(name, "classic"))  # previews are allowed

    with pytest.raises(ReadOnlyProfile):
        ops.execute(plan)

    channel = broker.connection.channel()
    assert not _exists(channel, name)
    (record,) = declare_records(db_path)
    assert record.outcome == "refused" and "read-only" in record.detail["reason"]


def test_no_audit_record_no_queue(broker: BrokerObjects, unique_name: str, db_path: Path) -> None:
    ops = Operations(make_profile(), db_path)
    name = broker.track_queue(unique_name + ".unaudited")
    plan = ops.plan_declare_queue(queue_spec(name, "classic"))
    spoil_directory(db_path)

    with pytest.raises(AuditUnavailable):
        ops.execute(plan)

    assert not _exists(broker.connection.channel(), name)


def test_the_broker_refusal_is_reported_when_the_preview_could_not_know(
    ops: Operations, broker: BrokerObjects, unique_name: str
) -> None:
    name = broker.track_queue(unique_name + ".prio")
    # 256 priorities: a whole number, so the preview passes it; the broker allows 255.
    plan = ops.plan_declare_queue(queue_spec(name, "classic", True, {"x-max-priority": 256}))

    result = ops.execute(plan)

    (outcome,) = result.outcomes
    assert outcome.status is OutcomeStatus.FAILED
    assert "the broker refused it" in outcome.detail and "x-max-priority" in outcome.detail
    assert "nothing was created" in outcome.detail
    assert result.outcome == "failed" and result.audit_id is not None


@pytest.mark.parametrize(
    ("queue_type", "durable", "arguments", "said"),
    [
        ("stream", True, {"x-dead-letter-exchange": "dlx"}, "stream queue does not take"),
        ("classic", True, {"x-delivery-limit": 3}, "classic queue does not take"),
        ("quorum", False, {}, "always durable"),
        ("classic", True, {"x-max-length": "ten"}, "whole number"),
        ("classic", True, {"x-overflow": "explode"}, "x-overflow is one of"),
        ("quorum", True, {"x-queue-type": "stream"}, "contradicts"),
    ],
)
def test_what_rabbitmq_would_refuse_is_refused_before_the_broker(
    queue_type: str, durable: bool, arguments: dict[str, Any], said: str
) -> None:
    with pytest.raises(ValueError, match=said):
        queue_spec("q", queue_type, durable, arguments)


def test_arguments_are_typed_as_the_broker_wants_them() -> None:
    parsed = parse_arguments(
        "x-max-length = 1_000\nx-single-active-consumer=true\n\nx-custom:=[1, 2]\n"
        "x-dead-letter-routing-key=parked"
    )
    assert parsed == {
        "x-max-length": 1000,
        "x-single-active-consumer": True,
        "x-custom": [1, 2],
        "x-dead-letter-routing-key": "parked",
    }
    with pytest.raises(ValueError, match="given twice"):
        parse_arguments("x-max-length=1\nx-max-length=2")
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_arguments("x-max-length")
    assert queue_spec("q", "stream").arguments == {"x-queue-type": "stream"}


def _exists(channel: Any, name: str) -> bool:
    try:
        channel.queue_declare(name, passive=True)
    except pika.exceptions.ChannelClosedByBroker:
        return False
    channel.close()
    return True
