"""`opsdesk replay`: retry payments by re-sending their requests, or replay one exact message.

    opsdesk replay --payment-id ID [--payment-id ID ...] --reason TEXT
    opsdesk replay --status failed --error-code gateway_timeout --merchant acme --since 09:40 ...
    opsdesk replay --event-id ID --reason TEXT        # one exact stored message, as it was

Payments (by id or by history filters) are planned and guarded per payment
(operations/payment_replay.py); `--force GUARD` lifts one guard, for every payment of the run.
Exit 0 when every payment was replayed, 1 when any was refused or failed (each named, with
why), 2 for options that cannot be read. `--follow SECONDS` then waits for each payment's next
outcome in the history (fed by the window's tap or `opsdesk collect`) and prints the batch's.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from opsdesk.commands import CommandContext, message_options
from opsdesk.commands.console import Console
from opsdesk.commands.history_filter_options import add_filter_arguments, filter_from_args
from opsdesk.commands.write_flow import PlanMaker, add_write_options, run_write
from opsdesk.operations.plan import OperationResult
from opsdesk.operations.replay_guards import EVENT_GUARDS, PAYMENT_GUARDS

NAME = "replay"
HELP = "retry payments (their requests re-sent) or replay one exact message"
GUARD_NAMES = tuple(dict.fromkeys((*PAYMENT_GUARDS, *EVENT_GUARDS)))
MAX_PAYMENTS = 10_000  # payments one replay command may take from a filter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_argument_group("what to replay (one of)")
    which.add_argument(
        "--payment-id",
        dest="payment_ids",
        action="append",
        metavar="ID",
        help="a payment to retry: its request is re-sent (repeatable)",
    )
    which.add_argument(
        "--event-id",
        action="append",
        metavar="ID",
        help="one exact stored message, re-sent as it is (repeatable)",
    )
    message_options.add_destination_arguments(parser, required=False)
    parser.add_argument(
        "--reason", required=True, metavar="TEXT", help="why (in the headers and the audit log)"
    )
    parser.add_argument(
        "--force",
        dest="overrides",
        action="extend",
        nargs="+",
        choices=GUARD_NAMES,
        metavar="GUARD",
        help=f"override a guard for every payment of the run: {', '.join(GUARD_NAMES)}",
    )
    parser.add_argument(  # the older spelling of --force, one guard at a time
        "--override",
        dest="overrides",
        action="append",
        choices=GUARD_NAMES,
        metavar="GUARD",
        help="same as --force",
    )
    parser.add_argument(
        "--follow",
        type=float,
        metavar="SECONDS",
        help="then wait up to SECONDS for each payment's next outcome in the history",
    )
    filters = parser.add_argument_group("history filters (payments with a matching event)")
    # --routing-key names the destination here, so the filter's is --match-routing-key.
    add_filter_arguments(filters, routing_key_option="--match-routing-key", payment_id_option=False)
    add_write_options(parser)


def run(args: argparse.Namespace, context: CommandContext) -> int:
    def follow(result: OperationResult, args: argparse.Namespace, console: Console) -> None:
        _follow(result, args, console, context.db_path)

    return run_write(NAME, args, context, _plan, after=follow)


def _plan(args: argparse.Namespace, context: CommandContext) -> PlanMaker:
    destination = message_options.destination_from_args(args)
    overrides = tuple(args.overrides or ())
    event_filter = filter_from_args(args, context.now())
    named = [bool(args.payment_ids), bool(args.event_id), not event_filter.is_empty]
    if sum(named) != 1:
        raise ValueError(
            "name payments with --payment-id, one exact message with --event-id, "
            "or payments by history filters (one of the three)"
        )
    if args.follow is not None and (args.event_id or args.follow < 0):
        raise ValueError("--follow takes seconds (0 or more) and follows payments only")
    reason = args.reason.strip()
    if not reason:
        raise ValueError("--reason must say why")
    if args.event_id:
        event_ids = list(args.event_id)
        return lambda ops: ops.plan_replay(
            event_ids, reason=reason, destination=destination, overrides=overrides
        )
    payment_ids = list(args.payment_ids or ())
    return lambda ops: ops.plan_payment_replay(
        payment_ids,
        event_filter=None if payment_ids else event_filter,
        reason=reason,
        destination=destination,
        overrides=overrides,
        limit=MAX_PAYMENTS,
        now=context.now(),
    )


def _follow(
    result: OperationResult, args: argparse.Namespace, console: Console, db_path: Path
) -> None:
    if args.follow is None:
        return
    from opsdesk.operations.replay_outcomes import follow_outcomes, sent_payments
    from opsdesk.store.errors import StoreError

    sent = sent_payments(result)
    if not sent:
        return
    if not args.json:
        console.err.write(f"following {len(sent)} payment(s) for up to {args.follow:g} s...\n")
    try:
        batch = follow_outcomes(db_path, sent, args.follow)
    except StoreError as exc:
        console.err.write(f"opsdesk {NAME}: cannot follow the outcomes: {exc}\n")
        return
    if args.json:
        document = {"follow": batch.summary(), "outcomes": [asdict(o) for o in batch.outcomes]}
        console.out.write(json.dumps(document, default=str) + "\n")
        return
    console.out.write(f"outcomes: {batch.summary()}\n")
