"""Which queue messages a write command takes and where it sends them: options shared by
`move`, `dead-letter`, `requeue-dead-letters` (selection) and `replay` (destination)."""

from __future__ import annotations

import argparse

from opsdesk.durations import EXAMPLES, duration_seconds
from opsdesk.operations.plan import Destination
from opsdesk.operations.selection import MessageFilter, Selection


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
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


def selection_from_args(args: argparse.Namespace) -> Selection:
    """The Selection the options describe; ArgumentTypeError for one that cannot be read."""
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
    seconds = duration_seconds(text, bare_unit="s")
    if seconds is None:
        raise argparse.ArgumentTypeError(f"cannot read age {text!r} (use {EXAMPLES})")
    return seconds


def add_destination_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    target = parser.add_mutually_exclusive_group(required=required)
    target.add_argument("--to-queue", metavar="QUEUE", help="a queue (via the default exchange)")
    target.add_argument("--to-exchange", metavar="EXCHANGE", help="an exchange (needs a key)")
    parser.add_argument("--routing-key", metavar="KEY", help="routing key for --to-exchange")


def destination_from_args(args: argparse.Namespace) -> Destination | None:
    """Where the options send messages; None when neither --to-queue nor --to-exchange."""
    if args.to_queue:
        return Destination.queue(args.to_queue)
    if args.to_exchange:
        if args.routing_key is None:
            raise argparse.ArgumentTypeError("--to-exchange needs --routing-key")
        return Destination(args.to_exchange, args.routing_key)
    return None
