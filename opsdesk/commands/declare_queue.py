"""`opsdesk declare-queue`: create a queue (a parking queue, say) with its type and arguments;
never one that exists (the preview says how an existing one differs)."""

from __future__ import annotations

import argparse

from opsdesk.commands import CommandContext
from opsdesk.commands.write_flow import PlanMaker, add_write_options, run_write
from opsdesk.operations.queue_arguments import QUEUE_TYPES, parse_argument, queue_spec

NAME = "declare-queue"
HELP = "declare a queue with its type and arguments (never redeclares an existing one)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "exit codes: 0 declared (or it exists with exactly these settings: nothing to do); "
        "1 refused (it exists with other settings, a read-only profile), failed or not "
        "confirmed; 2 an option that cannot be read"
    )
    parser.add_argument("--queue", required=True, metavar="QUEUE")
    parser.add_argument(
        "--type", choices=QUEUE_TYPES, default="quorum", help="queue type (default: quorum)"
    )
    parser.add_argument(
        "--transient", action="store_true", help="not durable (classic queues only)"
    )
    parser.add_argument(
        "--argument",
        action="append",
        type=_argument,
        default=[],
        metavar="NAME=VALUE",
        help="a queue argument (repeatable): x-dead-letter-exchange=dlx, x-max-length=10000 "
        "(whole-number arguments are sent as integers); NAME:=JSON for another type",
    )
    add_write_options(parser)


def _argument(text: str) -> tuple[str, object]:
    try:
        return parse_argument(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace, context: CommandContext) -> int:
    return run_write(NAME, args, context, _plan)


def _plan(args: argparse.Namespace, _context: CommandContext) -> PlanMaker:
    names = [name for name, _ in args.argument]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"{', '.join(twice)} is given twice")
    spec = queue_spec(args.queue, args.type, not args.transient, dict(args.argument))
    return lambda ops: ops.plan_declare_queue(spec)
