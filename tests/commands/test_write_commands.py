"""The headless write commands end to end: exit codes, --yes / --dry-run, refusals."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from opsdesk.commands import dead_letter, move, purge, replay, requeue_dead_letters
from opsdesk.commands.common_options import common_options
from opsdesk.config import Profile
from opsdesk.store.audit import AuditLog
from tests.commands.conftest import Ran, run_command
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, make_profile, publish_many

pytestmark = pytest.mark.broker

COMMANDS = {m.NAME: m for m in (move, dead_letter, requeue_dead_letters, replay, purge)}


def run(
    db_path: Path,
    command: str,
    *argv: str,
    profile: Profile | None = None,
    stdin: str | None = None,
) -> Ran:
    return run_command(
        COMMANDS[command], *argv, profile=profile or make_profile(), history=db_path, stdin=stdin
    )


def test_without_yes_and_without_a_terminal_it_only_previews(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path
) -> None:
    source, target = queues
    publish_many(broker, source, 4)
    refused = run(db_path, "move", "--from", source, "--to-queue", target)
    assert refused.code == 1 and "--yes" in refused.err and "plan: move 4" in refused.out
    dry = run(db_path, "move", "--from", source, "--to-queue", target, "--dry-run")
    assert dry.code == 0
    assert broker.message_count(source) == 4 and broker.message_count(target) == 0

    done = run(db_path, "move", "--from", source, "--to-queue", target, "--count", "3", "--yes")
    assert done.code == 0 and "3 done" in done.out
    assert broker.message_count(source) == 1 and broker.message_count(target) == 3


def test_a_terminal_confirms_by_answer_or_typed_text(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path
) -> None:
    source, target = queues
    publish_many(broker, source, 2)
    declined = run(db_path, "move", "--from", source, "--to-queue", target, stdin="n\n")
    assert declined.code == 1 and broker.message_count(target) == 0
    accepted = run(db_path, "move", "--from", source, "--to-queue", target, stdin="y\n")
    assert accepted.code == 0 and broker.message_count(target) == 2

    wrong = run(db_path, "purge", "--queue", target, stdin="yes\n")
    assert wrong.code == 1 and broker.message_count(target) == 2  # purge wants the name typed
    purged = run(db_path, "purge", "--queue", target, stdin=f"{target}\n")
    assert purged.code == 0 and broker.message_count(target) == 0
    with AuditLog(db_path, readonly=True) as log:
        record = log.records(1)[0]
    assert record.action == "purge" and record.count == 2


def test_failures_and_refusals_exit_non_zero(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path, unique_name: str
) -> None:
    source, _ = queues
    ids = publish_many(broker, source, 3)
    exchange = broker.exchange(unique_name + ".nobind", "direct")
    unroutable = run(
        db_path, "move", "--from", source, "--to-exchange", exchange, "--routing-key", "k", "--yes"
    )
    assert unroutable.code == 1 and "unroutable" in unroutable.out
    missing = run(db_path, "dead-letter", "--queue", source, "--yes")
    assert missing.code == 1 and "no dead-letter exchange" in missing.err
    read_only = run(
        db_path,
        "move",
        "--from",
        source,
        "--to-queue",
        queues[1],
        "--yes",
        profile=make_profile(read_only=True),
    )
    assert read_only.code == 1 and "read-only" in read_only.err
    usage = run(db_path, "move", "--from", source, "--to-exchange", exchange, "--yes")
    assert usage.code == 2 and "--routing-key" in usage.err
    assert [g.props.message_id for g in drain(broker, source)] == ids


def test_requeue_dead_letters_and_dead_letter_commands(
    broker: BrokerObjects, unique_name: str, db_path: Path
) -> None:
    dlx = broker.exchange(unique_name + ".dlx", "fanout")
    work = broker.queue(unique_name + ".work", **{"x-dead-letter-exchange": dlx})
    dlq = broker.queue(unique_name + ".dlq")
    broker.channel.queue_bind(dlq, dlx, "")
    ids = publish_many(broker, work, 3)
    assert run(db_path, "dead-letter", "--queue", work, "--yes").code == 0
    assert broker.message_count(dlq) == 3
    home = run(db_path, "requeue-dead-letters", "--queue", dlq, "--yes", "--json")
    assert home.code == 0 and json.loads(home.out)["done"] == 3
    assert [g.props.message_id for g in drain(broker, work)] == ids


def test_replay_command_guards_and_json_dry_run(
    broker: BrokerObjects, unique_name: str, db_path: Path
) -> None:
    from tests.operations.test_replay import _event, _store

    exchange = broker.exchange(unique_name + ".payments", "topic")
    queue = broker.queue(unique_name + ".processor")
    broker.channel.queue_bind(queue, exchange, "#")
    _store(db_path, _event(1, exchange), _event(2, exchange))
    why = ("--reason", "PSP outage")
    dry = run(db_path, "replay", "--event-id", "evt-1", *why, "--dry-run", "--json")
    plan = json.loads(dry.out)
    assert dry.code == 0 and plan["messages"][0]["headers"]["x-opsdesk-replay-of"] == "evt-1"
    assert broker.message_count(queue) == 0

    assert run(db_path, "replay", "--event-id", "evt-1", *why, "--yes").code == 0
    again = run(db_path, "replay", "--event-id", "evt-1", *why, "--yes")
    assert again.code == 1 and "already replayed" in again.out
    forced = run(
        db_path, "replay", "--event-id", "evt-1", *why, "--yes", "--force", "already_replayed"
    )
    assert forced.code == 0
    # pay_2's history holds only its failure: as a payment it has no request to re-send.
    by_payment = run(db_path, "replay", "--payment-id", "pay_2", *why, "--yes")
    assert by_payment.code == 1 and "payment pay_2" in by_payment.out
    assert "no request (payment.requested)" in by_payment.out
    itself = run(db_path, "replay", "--payment-id", "pay_2", *why, "--yes", "--force", "no_request")
    assert itself.code == 0
    assert broker.message_count(queue) == 3
    no_selection = run(db_path, "replay", *why, "--yes")
    assert no_selection.code == 2


def test_options_fit_beside_the_common_cli_options() -> None:
    from opsdesk.commands import audit

    common = common_options()
    parser = argparse.ArgumentParser(prog="opsdesk")
    sub = parser.add_subparsers(dest="command")
    for name, module in COMMANDS.items():
        module.add_arguments(sub.add_parser(name, parents=[common]))
    audit.add_arguments(sub.add_parser("audit", parents=[common]))
    args = parser.parse_args(
        ["move", "--db", "h.sqlite", "--from", "a", "--to-exchange", "x", "--routing-key", "k"]
    )
    assert (args.db, args.source, args.to_exchange, args.routing_key) == (
        Path("h.sqlite"),
        "a",
        "x",
        "k",
    )
    args = parser.parse_args(["audit", "verify", "--db", "h.sqlite", "--profile", "prod"])
    assert (args.audit_command, args.db, args.profile) == ("verify", Path("h.sqlite"), "prod")
    args = parser.parse_args(
        ["replay", "--event-id", "a", "--event-id", "b", "--reason", "r", "--force", "no_request"]
    )
    assert args.event_id == ["a", "b"] and args.overrides == ["no_request"]
