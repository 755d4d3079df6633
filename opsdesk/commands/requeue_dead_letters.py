"""`opsdesk requeue-dead-letters`: send dead letters back where they came from."""

from __future__ import annotations

import argparse

from opsdesk.commands import CommandContext, message_options
from opsdesk.commands.write_flow import PlanMaker, add_write_options, run_write
from opsdesk.operations.plan import DEFAULT_RETRY_LIMIT, HomeTarget

NAME = "requeue-dead-letters"
HELP = "send dead letters back where they came from"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queue", required=True, metavar="DEAD_LETTER_QUEUE")
    message_options.add_destination_arguments(parser, required=False)
    parser.add_argument(
        "--via-exchange",
        action="store_true",
        help="republish to the original exchange and routing key (default: straight back to "
        "the queue each message died in, so other queues bound to that exchange get no copy)",
    )
    parser.add_argument("--retry-limit", type=int, default=DEFAULT_RETRY_LIMIT, metavar="N")
    parser.add_argument("--force", action="store_true", help="send home past the retry limit")
    message_options.add_selection_arguments(parser)
    add_write_options(parser)


def run(args: argparse.Namespace, context: CommandContext) -> int:
    return run_write(NAME, args, context, _plan)


def _plan(args: argparse.Namespace, _context: CommandContext) -> PlanMaker:
    destination = message_options.destination_from_args(args)
    selection = message_options.selection_from_args(args)
    return lambda ops: ops.plan_send_home(
        args.queue,
        selection,
        destination=destination,
        target=HomeTarget.EXCHANGE if args.via_exchange else HomeTarget.QUEUE,
        retry_limit=args.retry_limit,
        override_retry_limit=args.force,
    )
