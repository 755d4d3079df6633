"""The history-filter options shared by the headless commands (`export`, `replay`)."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from opsdesk.durations import duration_seconds
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_filter import EventFilter, TimePreset, preset_range

WHEN = "ISO-8601 (UTC unless an offset is given), an age such as 15m, 2h, 7d, or 'today'"


def add_filter_arguments(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    *,
    routing_key_option: str = "--routing-key",
    payment_id_option: bool = True,
) -> None:
    """`--since`, `--status`, ... as EventFilter fields; `routing_key_option` may be renamed
    where `--routing-key` already names a destination (replay), and `--payment-id` left to a
    command that names payments itself (replay)."""
    parser.add_argument("--since", metavar="TIME", help=f"received at or after: {WHEN}")
    parser.add_argument("--until", metavar="TIME", help=f"received before: {WHEN}")
    for option, dest, what in (
        ("--status", "status", "status (succeeded, failed, pending, refunded, unknown)"),
        ("--merchant", "merchant", "merchant"),
        ("--type", "type", "event type"),
        ("--currency", "currency", "ISO-4217 currency"),
        ("--error-code", "error_code", "error code"),
    ):
        parser.add_argument(
            option, dest=dest, action="append", metavar="VALUE", help=f"{what} (repeatable)"
        )
    if payment_id_option:
        parser.add_argument("--payment-id", metavar="ID", help="one payment's events")
    parser.add_argument(
        routing_key_option, dest="filter_routing_key", metavar="KEY", help="exact routing key"
    )
    parser.add_argument("--exchange", dest="filter_exchange", metavar="NAME", help="exact exchange")
    parser.add_argument("--amount-min", type=int, metavar="MINOR", help="amount in minor units")
    parser.add_argument("--amount-max", type=int, metavar="MINOR", help="amount in minor units")
    parser.add_argument("--text", metavar="WORDS", help="words that must all occur in the body")
    parser.add_argument(
        "--undecoded", action="store_true", help="only events whose body did not decode"
    )


def filter_from_args(args: argparse.Namespace, now: datetime | None = None) -> EventFilter:
    """The EventFilter the options describe; ValueError for an unreadable time."""
    return EventFilter(
        since=parse_time(args.since, now) if args.since else None,
        until=parse_time(args.until, now) if args.until else None,
        statuses=tuple(args.status or ()),
        types=tuple(args.type or ()),
        merchants=tuple(args.merchant or ()),
        currencies=tuple(args.currency or ()),
        payment_id=getattr(args, "payment_id", None),
        error_codes=tuple(args.error_code or ()),
        routing_key=args.filter_routing_key,
        exchange=args.filter_exchange,
        amount_min=args.amount_min,
        amount_max=args.amount_max,
        text=args.text,
        decode_errors_only=args.undecoded,
    )


def parse_time(text: str, now: datetime | None = None) -> str:
    """ISO-8601, an age before `now` ("15m", "2h", "7d") or "today", as stored UTC text."""
    now = now if now is not None else datetime.now().astimezone()
    value = text.strip()
    if value.lower() == "today":
        return preset_range(TimePreset.TODAY, now)[0]
    seconds = duration_seconds(value)  # a bare number is no age here: "2024" is a year
    if seconds is None:
        return value  # EventFilter validates and normalises it
    try:
        return utc_iso(now - timedelta(seconds=seconds))
    except OverflowError:
        raise ValueError(f"{text!r} reaches back before the year 1") from None
