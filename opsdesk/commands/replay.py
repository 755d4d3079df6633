"""`opsdesk replay`: publish stored payments again, named by id or by history filters."""

from __future__ import annotations

import argparse

from opsdesk.commands import CommandContext, message_options
from opsdesk.commands.history_filter_options import add_filter_arguments, filter_from_args
from opsdesk.commands.write_flow import PlanMaker, add_write_options, run_write
from opsdesk.events.model import PaymentEvent
from opsdesk.operations.replay import GUARDS

NAME = "replay"
HELP = "replay payments from the history"
MAX_REPLAY = 10_000  # events one replay command may take from a filter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--event-id", action="append", metavar="ID", help="repeatable")
    message_options.add_destination_arguments(parser, required=False)
    parser.add_argument("--reason", default="replayed with opsdesk replay", metavar="TEXT")
    parser.add_argument(
        "--force", action="store_true", help=f"override every guard ({', '.join(GUARDS)})"
    )
    parser.add_argument(
        "--override", action="append", choices=GUARDS, metavar="GUARD", help="one guard"
    )
    filters = parser.add_argument_group("history filters (instead of --event-id)")
    # --routing-key names the destination here, so the filter's is --match-routing-key.
    add_filter_arguments(filters, routing_key_option="--match-routing-key")
    add_write_options(parser)


def run(args: argparse.Namespace, context: CommandContext) -> int:
    return run_write(NAME, args, context, _plan)


def _plan(args: argparse.Namespace, context: CommandContext) -> PlanMaker:
    destination = message_options.destination_from_args(args)
    events: list[PaymentEvent | str] = list(args.event_id or ()) or _filtered(args, context)
    overrides = GUARDS if args.force else tuple(args.override or ())
    return lambda ops: ops.plan_replay(
        events, reason=args.reason, destination=destination, overrides=overrides
    )


def _filtered(args: argparse.Namespace, context: CommandContext) -> list[PaymentEvent | str]:
    from opsdesk.store.event_query import EventQuery

    event_filter = filter_from_args(args, context.now())
    if event_filter.is_empty:
        raise ValueError("name events with --event-id or narrow them with history filters")
    with EventQuery(context.db_path) as query:
        ids = query.ids(event_filter, limit=MAX_REPLAY + 1)
        if len(ids) > MAX_REPLAY:
            raise ValueError(f"more than {MAX_REPLAY} events match; narrow the filter")
        rows = query.rows(ids)
    return [rows[i] for i in ids if i in rows]
