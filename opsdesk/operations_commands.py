"""Headless operations: `opsdesk move`, `dead-letter`, `requeue-dead-letters`, `replay`, `purge`.

These names and options are a contract for scripts and runbooks. Without `--yes` a command only
previews (and asks, on a terminal); it exits non-zero when anything was refused or failed.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TextIO

from opsdesk.config import Profile
from opsdesk.events.model import PaymentEvent
from opsdesk.history_options import add_filter_arguments, filter_from_args
from opsdesk.operations.plan import DEFAULT_RETRY_LIMIT, Destination, HomeTarget, Plan
from opsdesk.operations.replay import GUARDS
from opsdesk.operations.selection import MessageFilter, Selection
from opsdesk.operations.service import Operations
from opsdesk.operations_flow import Console, add_write_options, run_plan

MAX_REPLAY = 10_000  # events one replay command may take from a filter
_AGE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(s|m|h|d)?", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


# -- shared options ---------------------------------------------------------------------------


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, metavar="N", help="only the first N (of the matches)")
    parser.add_argument(
        "--message-id",
        action="append",
        metavar="ID",
        help="only this message (repeatable; a browse row's key for messages without an id)",
    )
    parser.add_argument("--match-routing-key", metavar="PATTERN", help="topic pattern (* and #)")
    parser.add_argument("--match-header", metavar="NAME=VALUE", help="a header's value")
    parser.add_argument("--body-contains", metavar="TEXT", help="text the body contains")
    parser.add_argument("--older-than", metavar="AGE", help="by AMQP timestamp: 90s, 15m, 2h, 1d")


def _selection(args: argparse.Namespace) -> Selection:
    header = None
    if args.match_header:
        name, sep, value = args.match_header.partition("=")
        if not sep or not name:
            raise argparse.ArgumentTypeError("--match-header needs NAME=VALUE")
        header = (name, value)
    return Selection(
        count=args.count,
        keys=tuple(args.message_id or ()),
        filter=MessageFilter(
            routing_key=args.match_routing_key,
            header=header,
            body_contains=args.body_contains,
            older_than_s=_age(args.older_than) if args.older_than else None,
        ),
    )


def _age(text: str) -> float:
    match = _AGE.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"cannot read age {text!r} (use 90s, 15m, 2h, 1d)")
    return float(match.group(1)) * _SECONDS[(match.group(2) or "s").lower()]


def _add_destination(parser: argparse.ArgumentParser, required: bool) -> None:
    target = parser.add_mutually_exclusive_group(required=required)
    target.add_argument("--to-queue", metavar="QUEUE", help="a queue (via the default exchange)")
    target.add_argument("--to-exchange", metavar="EXCHANGE", help="an exchange (needs a key)")
    parser.add_argument("--routing-key", metavar="KEY", help="routing key for --to-exchange")


def _destination(args: argparse.Namespace) -> Destination | None:
    if args.to_queue:
        return Destination.queue(args.to_queue)
    if args.to_exchange:
        if args.routing_key is None:
            raise argparse.ArgumentTypeError("--to-exchange needs --routing-key")
        return Destination(args.to_exchange, args.routing_key)
    return None


def _usage(command: str, console: Console, exc: Exception) -> int:
    console.err.write(f"opsdesk {command}: {exc}\n")
    return 2


# -- move -------------------------------------------------------------------------------------


def add_move_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", required=True, metavar="QUEUE")
    _add_destination(parser, required=True)
    _add_selection(parser)
    add_write_options(parser)


def run_move(
    args: argparse.Namespace,
    profile: Profile,
    db_path: Path,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    console = Console(out, err, stdin)
    try:
        destination, selection = _destination(args), _selection(args)
    except argparse.ArgumentTypeError as exc:
        return _usage("move", console, exc)
    assert destination is not None  # the option group is required
    ops = Operations(profile, db_path)
    return run_plan(
        "move", args, ops, lambda: ops.plan_move(args.source, destination, selection), console
    )


# -- dead-letter ------------------------------------------------------------------------------


def add_dead_letter_arguments(parser: argparse.ArgumentParser) -> None:
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
    _add_selection(parser)
    add_write_options(parser)


def run_dead_letter(
    args: argparse.Namespace,
    profile: Profile,
    db_path: Path,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    console = Console(out, err, stdin)
    try:
        selection = _selection(args)
    except argparse.ArgumentTypeError as exc:
        return _usage("dead-letter", console, exc)
    ops = Operations(profile, db_path)

    def plan() -> Plan:
        return ops.plan_dead_letter(
            args.queue,
            selection,
            args.parking_queue,
            create_parking_queue=args.create_parking_queue,
        )

    return run_plan("dead-letter", args, ops, plan, console)


# -- requeue-dead-letters ---------------------------------------------------------------------


def add_requeue_dead_letters_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queue", required=True, metavar="DEAD_LETTER_QUEUE")
    _add_destination(parser, required=False)
    parser.add_argument(
        "--via-exchange",
        action="store_true",
        help="republish to the original exchange and routing key (default: straight back to "
        "the queue each message died in, so other queues bound to that exchange get no copy)",
    )
    parser.add_argument("--retry-limit", type=int, default=DEFAULT_RETRY_LIMIT, metavar="N")
    parser.add_argument("--force", action="store_true", help="send home past the retry limit")
    _add_selection(parser)
    add_write_options(parser)


def run_requeue_dead_letters(
    args: argparse.Namespace,
    profile: Profile,
    db_path: Path,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    console = Console(out, err, stdin)
    try:
        destination, selection = _destination(args), _selection(args)
    except argparse.ArgumentTypeError as exc:
        return _usage("requeue-dead-letters", console, exc)
    ops = Operations(profile, db_path)

    def plan() -> Plan:
        return ops.plan_send_home(
            args.queue,
            selection,
            destination=destination,
            target=HomeTarget.EXCHANGE if args.via_exchange else HomeTarget.QUEUE,
            retry_limit=args.retry_limit,
            override_retry_limit=args.force,
        )

    return run_plan("requeue-dead-letters", args, ops, plan, console)


# -- purge ------------------------------------------------------------------------------------


def add_purge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queue", required=True, metavar="QUEUE")
    add_write_options(parser)


def run_purge(
    args: argparse.Namespace,
    profile: Profile,
    db_path: Path,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    console = Console(out, err, stdin)
    ops = Operations(profile, db_path)
    return run_plan("purge", args, ops, lambda: ops.plan_purge(args.queue), console)


# -- replay -----------------------------------------------------------------------------------


def add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--event-id", action="append", metavar="ID", help="repeatable")
    _add_destination(parser, required=False)
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


def run_replay(
    args: argparse.Namespace,
    profile: Profile,
    db_path: Path,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    console = Console(out, err, stdin)
    try:
        destination = _destination(args)
        events: list[PaymentEvent | str] = list(args.event_id or ()) or _filtered(args, db_path)
    except (argparse.ArgumentTypeError, ValueError) as exc:
        return _usage("replay", console, exc)
    overrides = GUARDS if args.force else tuple(args.override or ())
    ops = Operations(profile, db_path)

    def plan() -> Plan:
        return ops.plan_replay(
            events, reason=args.reason, destination=destination, overrides=overrides
        )

    return run_plan("replay", args, ops, plan, console)


def _filtered(args: argparse.Namespace, db_path: Path) -> list[PaymentEvent | str]:
    from opsdesk.store.event_query import EventQuery

    event_filter = filter_from_args(args)
    if event_filter.is_empty:
        raise ValueError("name events with --event-id or narrow them with history filters")
    with EventQuery(db_path) as query:
        ids = query.ids(event_filter, limit=MAX_REPLAY + 1)
        if len(ids) > MAX_REPLAY:
            raise ValueError(f"more than {MAX_REPLAY} events match; narrow the filter")
        rows = query.rows(ids)
    return [rows[i] for i in ids if i in rows]
