"""The headless commands end to end: exit codes, --yes / --dry-run, refusals, audit verify."""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from opsdesk import audit_command, operations_commands
from opsdesk.config import Profile
from opsdesk.store.audit import AuditLog
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, make_profile, publish_many

pytestmark = pytest.mark.broker

COMMANDS: dict[str, tuple[Callable[..., None], Callable[..., int]]] = {
    "move": (operations_commands.add_move_arguments, operations_commands.run_move),
    "dead-letter": (
        operations_commands.add_dead_letter_arguments,
        operations_commands.run_dead_letter,
    ),
    "requeue-dead-letters": (
        operations_commands.add_requeue_dead_letters_arguments,
        operations_commands.run_requeue_dead_letters,
    ),
    "replay": (operations_commands.add_replay_arguments, operations_commands.run_replay),
    "purge": (operations_commands.add_purge_arguments, operations_commands.run_purge),
}


class Terminal(io.StringIO):
    """Typed answers from an operator at a terminal."""

    def isatty(self) -> bool:
        return True


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def run(
    db_path: Path,
    command: str,
    *argv: str,
    profile: Profile | None = None,
    stdin: str | None = None,
) -> Run:
    add, runner = COMMANDS[command]
    parser = argparse.ArgumentParser(prog=f"opsdesk {command}")
    add(parser)
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    terminal = Terminal(stdin) if stdin is not None else io.StringIO()
    code = runner(args, profile or make_profile(), db_path, out, err, terminal)
    return Run(code, out.getvalue(), err.getvalue())


def audit(db_path: Path, *argv: str) -> Run:
    parser = argparse.ArgumentParser(prog="opsdesk audit")
    audit_command.add_audit_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = audit_command.run_audit(parser.parse_args(argv), make_profile(), db_path, out, err)
    return Run(code, out.getvalue(), err.getvalue())


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
    dry = run(db_path, "replay", "--event-id", "evt-1", "--dry-run", "--json")
    plan = json.loads(dry.out)
    assert dry.code == 0 and plan["messages"][0]["headers"]["x-opsdesk-replay-of"] == "evt-1"
    assert broker.message_count(queue) == 0

    assert run(db_path, "replay", "--event-id", "evt-1", "--yes").code == 0
    again = run(db_path, "replay", "--event-id", "evt-1", "--yes")
    assert again.code == 1 and "already replayed" in again.out
    forced = run(db_path, "replay", "--event-id", "evt-1", "--yes", "--force")
    assert forced.code == 0
    by_filter = run(db_path, "replay", "--payment-id", "pay_2", "--yes")
    assert by_filter.code == 0
    assert broker.message_count(queue) == 3
    no_selection = run(db_path, "replay", "--yes")
    assert no_selection.code == 2


def test_audit_verify_and_list(db_path: Path) -> None:
    with AuditLog(db_path) as log:
        for i in range(3):
            log.record("move", operator="ops", message_ids=[f"m{i}"], outcome="ok")
    listed = audit(db_path, "list", "--json")
    assert [json.loads(line)["id"] for line in listed.out.splitlines()] == [3, 2, 1]
    assert audit(db_path, "verify").code == 0

    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET operator = 'mallory' WHERE id = 2")
    conn.commit()
    conn.close()
    broken = audit(db_path, "verify")
    assert broken.code == 1 and "record #2" in broken.err
    assert audit(db_path.with_name("none.sqlite"), "verify").code == 2


def test_the_headless_modules_never_import_qt() -> None:
    code = (
        "import sys, opsdesk.operations_commands, opsdesk.audit_command, "
        "opsdesk.operations.service, opsdesk.operations.browse; "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'opsdesk.ui'))]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_options_fit_beside_the_common_cli_options() -> None:
    from opsdesk.cli import _common_options

    common = _common_options()
    parser = argparse.ArgumentParser(prog="opsdesk")
    sub = parser.add_subparsers(dest="command")
    for name, (add, _) in COMMANDS.items():
        add(sub.add_parser(name, parents=[common]))
    audit_command.add_audit_arguments(sub.add_parser("audit"), parents=[common])
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
    args = parser.parse_args(["replay", "--event-id", "a", "--event-id", "b", "--force"])
    assert args.event_id == ["a", "b"] and args.force
