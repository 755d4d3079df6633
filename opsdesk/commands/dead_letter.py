"""`opsdesk dead-letter`: dead-letter messages (the queue's DLX, or a parking queue)."""

from __future__ import annotations

import argparse

from opsdesk.commands import CommandContext, message_options
from opsdesk.commands.write_flow import PlanMaker, add_write_options, run_write

NAME = "dead-letter"
HELP = "dead-letter stuck or poison messages"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queue", required=True, metavar="QUEUE")
    parser.add_argument(
        "--parking-queue",
        metavar="QUEUE",
        help="where to move them when the queue has no usable dead-letter exchange",
    )
    parser.add_argument(
        "--create-parking-queue",
        action="store_true",
        help="create the parking queue (durable, classic) if it does not exist",
    )
    message_options.add_selection_arguments(parser)
    add_write_options(parser)


def run(args: argparse.Namespace, context: CommandContext) -> int:
    return run_write(NAME, args, context, _plan)


def _plan(args: argparse.Namespace, _context: CommandContext) -> PlanMaker:
    selection = message_options.selection_from_args(args)
    return lambda ops: ops.plan_dead_letter(
        args.queue, selection, args.parking_queue, create_parking_queue=args.create_parking_queue
    )
