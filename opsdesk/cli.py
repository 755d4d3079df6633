"""Entry point: `opsdesk` opens the window; subcommands run headless (never importing Qt)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from opsdesk import __version__
from opsdesk.broker.connection import InvalidBrokerURL
from opsdesk.config import (
    Binding,
    ConfigError,
    Profile,
    default_db_path,
    log_file,
    resolve_profile,
)
from opsdesk.log_files import setup_logging
from opsdesk.store.event_store import StoreError

log = logging.getLogger(__name__)

# Broker and history write commands: (name, help, add-arguments, run) in operations_commands.
OPERATION_COMMANDS = (
    ("move", "move messages to another queue or exchange", "move"),
    ("dead-letter", "dead-letter stuck or poison messages", "dead_letter"),
    ("requeue-dead-letters", "send dead letters back where they came from", "requeue_dead_letters"),
    ("replay", "replay payments from the history", "replay"),
    ("purge", "purge a queue (typed confirmation)", "purge"),
)
SUBCOMMANDS = (
    "gui",
    "collect",
    "simulate",
    "queues",
    "export",
    "audit",
    *(name for name, _help, _fn in OPERATION_COMMANDS),
)


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="broker URL (overrides the profile and $OPSDESK_URL)")
    common.add_argument("--profile", help="profile name from profiles.toml (default: local)")
    common.add_argument("--config", type=Path, help="profiles file (default: user config dir)")
    common.add_argument("--db", type=Path, help="history file (default: user data dir)")
    common.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="opsdesk", description="Operations console for payment systems on RabbitMQ"
    )
    parser.add_argument("--version", action="version", version=f"opsdesk {__version__}")
    sub = parser.add_subparsers(dest="command")

    gui = sub.add_parser("gui", parents=[common], help="open the window (the default)")
    gui.add_argument("--demo", action="store_true", help="run the simulator beside the window")

    collect = sub.add_parser("collect", parents=[common], help="ingest without a window")
    collect.add_argument(
        "--exchange",
        action="append",
        metavar="NAME[:BINDING]",
        help="exchange to watch (repeatable; default: the profile's bindings)",
    )
    collect.add_argument("--queue", metavar="TAP_QUEUE_NAME", help="the desk's tap queue")
    collect.add_argument("--idle-exit", type=float, metavar="SECONDS")
    collect.add_argument("--max-events", type=int, metavar="N")
    collect.add_argument("--json", action="store_true", help="print the summary as JSON")

    from opsdesk import export_command, queues_command
    from opsdesk.commands import simulate

    export = sub.add_parser(
        "export", parents=[common], help="export history rows to CSV or JSON Lines"
    )
    export_command.add_arguments(export)

    queues = sub.add_parser("queues", parents=[common], help="queue depth, consumers and rates")
    queues_command.add_arguments(queues)

    sim = sub.add_parser("simulate", parents=[common], help="run a demo payment system")
    simulate.add_arguments(sim)

    from opsdesk import audit_command, operations_commands

    for name, help_text, fn in OPERATION_COMMANDS:
        command = sub.add_parser(name, parents=[common], help=help_text)
        getattr(operations_commands, f"add_{fn}_arguments")(command)
    audit = sub.add_parser("audit", help="list or verify the audit log")
    audit_command.add_audit_arguments(audit, parents=[common])
    return parser


def _profile(args: argparse.Namespace) -> Profile:
    return resolve_profile(args.profile, args.url, args.config)


def _cmd_collect(args: argparse.Namespace) -> int:
    from opsdesk.ingest.collect import CollectLimits, NeverConnected, run_collect

    profile = _profile(args)
    if args.exchange:
        profile = replace(profile, bindings=tuple(Binding.parse(e) for e in args.exchange))
    if args.queue:
        profile = replace(profile, tap=replace(profile.tap, queue=args.queue))
    db = args.db or default_db_path()
    limits = CollectLimits(idle_exit=args.idle_exit, max_events=args.max_events)
    try:
        counters = run_collect(profile, db, limits)
    except NeverConnected as exc:
        print(
            f"opsdesk: never connected to {profile.endpoint.redacted_url()}: {exc}", file=sys.stderr
        )
        return 1
    summary = {"db": str(db), "queue": profile.tap.queue, **asdict(counters)}
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"collected into {db}: received {counters.received}, stored {counters.stored}, "
            f"duplicates {counters.duplicates}, decode errors {counters.decode_errors}"
        )
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from opsdesk.commands import CommandContext, simulate

    context = CommandContext(lambda: _profile(args), args.db or default_db_path(), log_file())
    return simulate.run(args, context)


def _cmd_queues(args: argparse.Namespace) -> int:
    from opsdesk import queues_command

    return queues_command.run(args, _profile(args))


def _cmd_export(args: argparse.Namespace) -> int:
    from opsdesk import export_command

    return export_command.run(args, _profile(args), args.db or default_db_path())


def _cmd_operation(args: argparse.Namespace) -> int:
    from opsdesk import operations_commands

    fn = next(fn for name, _help, fn in OPERATION_COMMANDS if name == args.command)
    run = getattr(operations_commands, f"run_{fn}")
    return int(run(args, _profile(args), args.db or default_db_path()))


def _cmd_audit(args: argparse.Namespace) -> int:
    from opsdesk import audit_command

    return audit_command.run_audit(args, _profile(args), args.db or default_db_path())


def _cmd_gui(args: argparse.Namespace) -> int:
    from opsdesk.ui.app import run_gui  # the only place the headless CLI reaches for Qt

    return run_gui(
        _profile(args), args.db or default_db_path(), demo=args.demo, log_file=log_file()
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "gui")
    args = build_parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    setup_logging(log_file(), stderr_level=logging.INFO if verbose else logging.WARNING)
    handlers = {
        "gui": _cmd_gui,
        "collect": _cmd_collect,
        "simulate": _cmd_simulate,
        "queues": _cmd_queues,
        "export": _cmd_export,
        "audit": _cmd_audit,
    }
    try:
        return handlers.get(args.command, _cmd_operation)(args)
    except (ConfigError, StoreError, InvalidBrokerURL) as exc:
        print(f"opsdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
