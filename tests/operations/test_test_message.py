"""Publishing one test message against the real broker: where the tracer says it goes, the
broker's verdict (mandatory + confirms), the audit records, read-only profiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from opsdesk.operations.errors import AuditUnavailable, NotFound, ReadOnlyProfile, Refused
from opsdesk.operations.plan import Action, OutcomeStatus
from opsdesk.operations.service import Operations
from opsdesk.operations.test_message import TEST_HEADER, MessageDraft, parse_headers
from opsdesk.store.audit import STARTED, AuditLog
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, make_profile
from tests.operations.test_audit_first import spoil_directory

pytestmark = pytest.mark.broker


def publish_records(db_path: Path) -> list[Any]:
    if not db_path.exists():
        return []
    with AuditLog(db_path, readonly=True) as audit:
        return list(reversed(audit.records(action=Action.PUBLISH_TEST.value)))


@pytest.fixture
def routes(broker: BrokerObjects, unique_name: str) -> tuple[str, str, str]:
    """A topic exchange: `audit` takes test.#, `other` takes other.*."""
    exchange = broker.exchange(unique_name + ".routes", "topic")
    audit = broker.queue(unique_name + ".audit")
    other = broker.queue(unique_name + ".other")
    broker.channel.queue_bind(audit, exchange, "test.#")
    broker.channel.queue_bind(other, exchange, "other.*")
    return exchange, audit, other


def test_a_routed_message_lands_where_the_tracer_said_and_is_audited(
    ops: Operations, broker: BrokerObjects, routes: tuple[str, str, str], db_path: Path
) -> None:
    exchange, audit, other = routes
    draft = MessageDraft(
        exchange, "test.one", '{"ping": 1}', headers=parse_headers("tenant=acme\nn:=2")
    )

    plan = ops.plan_test_message(draft)
    assert any(f"it reaches 1 queue: {exchange} -[test.#]-> {audit}" in w for w in plan.warnings)
    assert publish_records(db_path) == []
    result = ops.execute(plan)

    (outcome,) = result.outcomes
    assert outcome.status is OutcomeStatus.DONE, outcome.detail
    assert f"per the tracer it went to {audit}" in outcome.detail
    (got,) = drain(broker, audit)
    assert drain(broker, other) == []
    assert got.routing_key == "test.one" and json.loads(got.body) == {"ping": 1}
    assert got.props.headers == {"tenant": "acme", "n": 2, TEST_HEADER: "tester"}
    assert got.props.content_type == "application/json"
    assert got.props.message_id == outcome.message_id and got.props.delivery_mode == 2
    intent, end = publish_records(db_path)
    assert intent.outcome == STARTED and intent.message_ids == (outcome.message_id,)
    assert end.outcome == "ok" and end.detail["intent"] == intent.id
    assert end.destination == f"exchange {exchange!r} with routing key 'test.one'"


def test_an_unroutable_message_is_returned_and_said_so(
    ops: Operations, broker: BrokerObjects, routes: tuple[str, str, str], db_path: Path
) -> None:
    exchange, audit, other = routes

    plan = ops.plan_test_message(MessageDraft(exchange, "nobody.listens.here", "{}"))
    assert any("it reaches no queue" in w for w in plan.warnings), plan.warnings
    result = ops.execute(plan)

    (outcome,) = result.outcomes
    assert outcome.status is OutcomeStatus.UNROUTABLE
    assert "NO_ROUTE" in outcome.detail and "delivered nowhere" in outcome.detail
    assert any(note.startswith("Why: No binding of") for note in result.notes), result.notes
    assert drain(broker, audit) == [] and drain(broker, other) == []
    assert publish_records(db_path)[-1].outcome == "failed"


def test_a_read_only_profile_refuses_and_publishes_nothing(
    broker: BrokerObjects, routes: tuple[str, str, str], db_path: Path
) -> None:
    exchange, audit, _ = routes
    ops = Operations(make_profile(read_only=True), db_path)
    plan = ops.plan_test_message(MessageDraft(exchange, "test.ro", "{}"))

    with pytest.raises(ReadOnlyProfile):
        ops.execute(plan)

    assert drain(broker, audit) == []
    (record,) = publish_records(db_path)
    assert record.outcome == "refused" and "read-only" in record.detail["reason"]


def test_no_audit_record_no_message(
    broker: BrokerObjects, routes: tuple[str, str, str], db_path: Path
) -> None:
    exchange, audit, _ = routes
    ops = Operations(make_profile(), db_path)
    plan = ops.plan_test_message(MessageDraft(exchange, "test.unaudited", "{}"))
    spoil_directory(db_path)

    with pytest.raises(AuditUnavailable):
        ops.execute(plan)

    assert drain(broker, audit) == []


def test_the_default_exchange_and_refusals(
    ops: Operations, broker: BrokerObjects, unique_name: str, routes: tuple[str, str, str]
) -> None:
    _, audit, _ = routes
    plan = ops.plan_test_message(MessageDraft("", audit, "not json"))
    assert any("not valid JSON" in w for w in plan.warnings)
    assert ops.execute(plan).ok
    assert len(drain(broker, audit)) == 1

    with pytest.raises(NotFound, match="does not exist"):
        ops.plan_test_message(MessageDraft(unique_name + ".nope", "k"))
    internal = unique_name + ".internal"
    broker.channel.exchange_declare(internal, "fanout", internal=True)
    broker.exchanges.append(internal)
    with pytest.raises(Refused, match="internal"):
        ops.plan_test_message(MessageDraft(internal, "k"))


def test_headers_are_read_as_the_route_command_reads_them() -> None:
    assert parse_headers('a=1\n\nb:=1\nCC:=["x.y"]\nc = spaced ') == {
        "a": "1",
        "b": 1,
        "CC": ["x.y"],
        "c": "spaced",
    }
    with pytest.raises(ValueError, match="is not JSON"):
        parse_headers("n:=two")
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_headers("just-a-name")
