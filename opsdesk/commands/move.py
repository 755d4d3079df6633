"""`opsdesk move`: move messages to another queue or exchange, confirmed."""

from __future__ import annotations

import argparse

from opsdesk.commands import CommandContext, message_options
from opsdesk.commands.write_flow import PlanMaker, add_write_options, run_write

NAME = "move"
HELP = "move messages to another queue or exchange"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", required=True, metavar="QUEUE")
    message_options.add_destination_arguments(parser, required=True)
    message_options.add_selection_arguments(parser)
    add_write_options(parser)


def run(args: argparse.Namespace, context: CommandContext) -> int:
    return run_write(NAME, args, context, _plan)


def _plan(args: argparse.Namespace, _context: CommandContext) -> PlanMaker:
    destination = message_options.destination_from_args(args)
    selection = message_options.selection_from_args(args)
    assert destination is not None  # the option group is required
    return lambda ops: ops.plan_move(args.source, destination, selection)
