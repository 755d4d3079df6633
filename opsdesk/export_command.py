"""`opsdesk export`: write the history rows matching a filter to CSV or JSON Lines, headless."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from opsdesk.config import Profile
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.errors import StoreError
from opsdesk.store.event_filter import EventFilter, TimePreset, preset_range
from opsdesk.store.export import (
    ALL_COLUMNS,
    DEFAULT_COLUMNS,
    ExportCancelled,
    ExportFormat,
    ExportRequest,
    ExportScope,
    export_events,
)

_RELATIVE = re.compile(r"([0-9]+)\s*(s|m|min|h|d|w)", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=[f.value for f in ExportFormat], help="default: from --out's suffix"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="file to write")
    when = "ISO-8601 (UTC unless an offset is given), an age such as 15m, 2h, 7d, or 'today'"
    parser.add_argument("--since", metavar="TIME", help=f"received at or after: {when}")
    parser.add_argument("--until", metavar="TIME", help=f"received before: {when}")
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
    parser.add_argument("--payment-id", metavar="ID", help="one payment's events")
    parser.add_argument("--routing-key", metavar="KEY", help="exact routing key")
    parser.add_argument("--exchange", metavar="NAME", help="exact exchange")
    parser.add_argument("--amount-min", type=int, metavar="MINOR", help="amount in minor units")
    parser.add_argument("--amount-max", type=int, metavar="MINOR", help="amount in minor units")
    parser.add_argument("--text", metavar="WORDS", help="words that must all occur in the body")
    parser.add_argument(
        "--undecoded", action="store_true", help="only events whose body did not decode"
    )
    parser.add_argument(
        "--raw", action="store_true", help="add headers, properties and body (masked) columns"
    )


def run(
    args: argparse.Namespace,
    profile: Profile,
    db_path: Path,
    out: TextIO | None = None,
    err: TextIO | None = None,
    now: datetime | None = None,
) -> int:
    """0: written; 1: the export failed or was interrupted; 2: a bad option."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        event_filter = filter_from_args(args, now)
        request = ExportRequest(
            scope=ExportScope.of_filter(event_filter),
            out=args.out,
            format=_format(args),
            columns=ALL_COLUMNS if args.raw else DEFAULT_COLUMNS,
            operator=profile.operator,
        )
    except ValueError as exc:
        err.write(f"opsdesk export: {exc}\n")
        return 2
    if not request.out.parent.is_dir():
        err.write(f"opsdesk export: folder {request.out.parent} does not exist\n")
        return 2
    try:
        # Ctrl+C raises KeyboardInterrupt inside the export, which removes the partial file
        # and records the cancellation in the audit log.
        result = export_events(db_path, request)
    except (ExportCancelled, KeyboardInterrupt):
        err.write("opsdesk export: cancelled; no file written\n")
        return 1
    except OSError as exc:
        err.write(f"opsdesk export: cannot write {request.out}: {exc}\n")
        return 1
    except StoreError as exc:
        err.write(f"opsdesk export: {exc}\n")
        return 1
    out.write(
        f"exported {result.rows} events ({event_filter.describe()}) to {result.path}\n"
        f"manifest: {result.manifest_path}\nsha256: {result.sha256}\n"
    )
    return 0


def filter_from_args(args: argparse.Namespace, now: datetime | None = None) -> EventFilter:
    """The EventFilter the options describe; ValueError for an unreadable time."""
    return EventFilter(
        since=parse_time(args.since, now) if args.since else None,
        until=parse_time(args.until, now) if args.until else None,
        statuses=tuple(args.status or ()),
        types=tuple(args.type or ()),
        merchants=tuple(args.merchant or ()),
        currencies=tuple(args.currency or ()),
        payment_id=args.payment_id,
        error_codes=tuple(args.error_code or ()),
        routing_key=args.routing_key,
        exchange=args.exchange,
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
    if match := _RELATIVE.fullmatch(value):
        span = timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
        return utc_iso(now - span)
    return value  # EventFilter validates and normalises it


def _format(args: argparse.Namespace) -> ExportFormat:
    if args.format:
        return ExportFormat(args.format)
    suffix = Path(args.out).suffix.lower().lstrip(".")
    if suffix in ("csv", "jsonl"):
        return ExportFormat(suffix)
    if suffix in ("ndjson", "json"):
        return ExportFormat.JSONL
    raise ValueError(f"cannot tell the format from {args.out}; give --format csv or jsonl")
