"""`opsdesk purge`: empty a queue, after the operator types its name."""

from __future__ import annotations

import argparse

from opsdesk.commands import CommandContext
from opsdesk.commands.write_flow import PlanMaker, add_write_options, run_write

NAME = "purge"
HELP = "purge a queue (typed confirmation)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queue", required=True, metavar="QUEUE")
    add_write_options(parser)


def run(args: argparse.Namespace, context: CommandContext) -> int:
    return run_write(NAME, args, context, _plan)


def _plan(args: argparse.Namespace, _context: CommandContext) -> PlanMaker:
    return lambda ops: ops.plan_purge(args.queue)
