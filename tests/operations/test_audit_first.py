"""Audit first: a write that cannot record its intent in the audit log does not run.

Every write command (move, dead-letter into the DLX or a parking queue, send dead letters home,
purge, replay) is run against the real broker with a history file that cannot be written, and
the queues are then checked message id by message id: nothing was touched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from opsdesk.operations.errors import AuditUnavailable
from opsdesk.operations.plan import Destination
from opsdesk.operations.service import Operations
from opsdesk.store.audit import AuditLog
from tests.commands.test_write_commands import run
from tests.conftest import BrokerObjects
from tests.operations.conftest import (
    dead_letter_wiring,
    drain,
    make_profile,
    peek_all,
    publish_many,
)

pytestmark = pytest.mark.broker


def spoil_garbage(db_path: Path) -> None:
    """The history file replaced by bytes that are not SQLite."""
    remove_history(db_path)
    db_path.write_bytes(os.urandom(8192))


def spoil_directory(db_path: Path) -> None:
    """A folder where the history file should be (works even as root, unlike chmod)."""
    remove_history(db_path)
    db_path.mkdir()
    (db_path / "not-a-history").write_text("x")


def remove_history(db_path: Path) -> None:
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


SPOILERS: dict[str, Callable[[Path], None]] = {
    "garbage": spoil_garbage,
    "directory": spoil_directory,
}


@pytest.fixture(params=sorted(SPOILERS))
def spoil(request: pytest.FixtureRequest) -> Callable[[Path], None]:
    return SPOILERS[request.param]


def ids_in(broker: BrokerObjects, queue: str) -> list[str | None]:
    return [g.props.message_id for g in peek_all(broker, queue)]


def assert_refused_for_audit(code: int, err: str) -> None:
    assert code == 1, err
    assert "audit" in err and "nothing was" in err, err
    assert "Traceback" not in err


def test_move_is_refused_and_touches_nothing(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path, spoil: Callable[[Path], None]
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 3)
    spoil(db_path)
    done = run(db_path, "move", "--from", source, "--to-queue", target, "--yes")
    assert_refused_for_audit(done.code, done.err)
    assert ids_in(broker, source) == ids and ids_in(broker, target) == []


def test_dead_letter_into_the_dlx_is_refused(
    broker: BrokerObjects, unique_name: str, db_path: Path, spoil: Callable[[Path], None]
) -> None:
    _dlx, dlq, work = dead_letter_wiring(broker, unique_name)
    ids = publish_many(broker, work, 3)
    spoil(db_path)
    done = run(db_path, "dead-letter", "--queue", work, "--yes")
    assert_refused_for_audit(done.code, done.err)
    assert ids_in(broker, work) == ids and ids_in(broker, dlq) == []


def test_dead_letter_into_a_parking_queue_is_refused(
    broker: BrokerObjects, unique_name: str, db_path: Path, spoil: Callable[[Path], None]
) -> None:
    work = broker.queue(unique_name + ".work")
    parking = broker.queue(unique_name + ".parking")
    ids = publish_many(broker, work, 3)
    spoil(db_path)
    done = run(db_path, "dead-letter", "--queue", work, "--parking-queue", parking, "--yes")
    assert_refused_for_audit(done.code, done.err)
    assert ids_in(broker, work) == ids and ids_in(broker, parking) == []


def dead_letters(broker: BrokerObjects, unique_name: str) -> tuple[str, str, list[str]]:
    """A work queue whose messages the broker itself dead-lettered into a DLQ (with x-death)."""
    _dlx, dlq, work = dead_letter_wiring(broker, unique_name)
    ids = publish_many(broker, work, 3)
    for _ in ids:
        method, _props, _body = broker.channel.basic_get(work, auto_ack=False)
        assert method is not None
        broker.channel.basic_reject(method.delivery_tag, requeue=False)
    return work, dlq, ids


def test_send_dead_letters_home_is_refused(
    broker: BrokerObjects, unique_name: str, db_path: Path, spoil: Callable[[Path], None]
) -> None:
    """Finding 4: it ran, and only afterwards said no audit record was written."""
    work, dlq, ids = dead_letters(broker, unique_name)
    assert ids_in(broker, dlq) == ids
    spoil(db_path)
    done = run(db_path, "requeue-dead-letters", "--queue", dlq, "--yes")
    assert_refused_for_audit(done.code, done.err)
    assert ids_in(broker, dlq) == ids and ids_in(broker, work) == []


def test_purge_is_refused(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path, spoil: Callable[[Path], None]
) -> None:
    source, _ = queues
    ids = publish_many(broker, source, 3)
    spoil(db_path)
    done = run(db_path, "purge", "--queue", source, "--yes")
    assert_refused_for_audit(done.code, done.err)
    assert ids_in(broker, source) == ids


def test_replay_of_an_unusable_history_says_so_and_sends_nothing(
    broker: BrokerObjects, unique_name: str, db_path: Path, spoil: Callable[[Path], None]
) -> None:
    exchange = broker.exchange(unique_name + ".payments", "topic")
    queue = broker.queue(unique_name + ".processor")
    broker.channel.queue_bind(queue, exchange, "#")
    spoil(db_path)
    done = run(db_path, "replay", "--event-id", "evt-1", "--reason", "test", "--yes")
    assert done.code == 1 and "Traceback" not in done.err
    assert "history" in done.err and str(db_path) in done.err
    assert ids_in(broker, queue) == []


def test_a_plan_made_before_the_history_broke_does_not_run(
    broker: BrokerObjects, unique_name: str, db_path: Path, spoil: Callable[[Path], None]
) -> None:
    """Every action, planned while the history was fine, refused once it is not."""
    from tests.operations.test_replay import _event, _store

    exchange = broker.exchange(unique_name + ".payments", "topic")
    processor = broker.queue(unique_name + ".processor")
    broker.channel.queue_bind(processor, exchange, "#")
    _store(db_path, _event(1, exchange))
    work, dlq, ids = dead_letters(broker, unique_name)
    parking = broker.queue(unique_name + ".parking")
    ops = Operations(make_profile(), db_path)
    plans = [
        ops.plan_replay(["evt-1"], reason="test"),
        ops.plan_move(dlq, Destination.queue(parking)),
        ops.plan_dead_letter(dlq, parking_queue=parking),
        ops.plan_send_home(dlq),
        ops.plan_purge(dlq),
    ]
    assert all(p.audit_problem is None for p in plans)
    spoil(db_path)
    for plan in plans:
        with pytest.raises(AuditUnavailable, match="nothing was touched"):
            ops.execute(plan)
    assert ids_in(broker, dlq) == ids
    assert ids_in(broker, work) == [] and ids_in(broker, parking) == []
    assert ids_in(broker, processor) == []


def test_a_plan_says_in_advance_when_the_audit_log_cannot_be_written(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path
) -> None:
    source, target = queues
    publish_many(broker, source, 2)
    spoil_garbage(db_path)
    dry = run(db_path, "move", "--from", source, "--to-queue", target, "--dry-run")
    assert dry.code == 0 and "audit log cannot be written" in dry.out
    asked = run(db_path, "move", "--from", source, "--to-queue", target, stdin="y\n")
    assert asked.code == 1 and "proceed?" not in asked.err  # not asked what cannot run
    assert broker.message_count(target) == 0


def test_intent_is_recorded_before_and_the_outcome_after(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 2)
    done = run(db_path, "move", "--from", source, "--to-queue", target, "--yes")
    assert done.code == 0
    with AuditLog(db_path, readonly=True) as audit:
        outcome, intent = audit.records(2)
    assert intent.outcome == "started" and intent.action == "move" and intent.count == 2
    assert intent.operator == "tester" and intent.source == source
    assert "plan" in intent.detail and intent.message_ids == ()
    assert outcome.outcome == "ok" and outcome.detail["intent"] == intent.id
    assert list(outcome.message_ids) == ids
    assert [g.props.message_id for g in drain(broker, target)] == ids


def test_an_interrupted_replay_counts_as_replayed_a_finished_one_by_its_outcome(
    db_path: Path,
) -> None:
    """A started record without an outcome may have sent its events: the guard must trip."""
    with AuditLog(db_path) as audit:
        crashed = audit.record("replay", operator="a", message_ids=["e1"], outcome="started")
        tried = audit.record("replay", operator="a", message_ids=["e2", "e3"], outcome="started")
        audit.record(
            "replay",
            operator="a",
            message_ids=["e3"],
            outcome="partial",
            detail={"intent": tried.id},
        )
        replayed = audit.mentioning("replay", ["e1", "e2", "e3"])
    assert replayed == {"e1": crashed.id, "e3": tried.id + 1}  # e2 was nacked: not replayed
