"""`opsdesk export`: write the history rows matching a filter to CSV or JSON Lines, headless."""

from __future__ import annotations

import argparse
from pathlib import Path

from opsdesk.commands import CommandContext
from opsdesk.commands.history_filter_options import add_filter_arguments, filter_from_args
from opsdesk.store.errors import StoreError
from opsdesk.store.export import (
    ALL_COLUMNS,
    DEFAULT_COLUMNS,
    ExportCancelled,
    ExportFormat,
    ExportRequest,
    ExportScope,
    export_events,
)

NAME = "export"
HELP = "export history rows to CSV or JSON Lines"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=[f.value for f in ExportFormat], help="default: from --out's suffix"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="file to write")
    add_filter_arguments(parser)
    parser.add_argument(
        "--raw", action="store_true", help="add headers, properties and body (masked) columns"
    )


def run(args: argparse.Namespace, context: CommandContext) -> int:
    """0: written; 1: the export failed or was interrupted; 2: a bad option."""
    out, err, operator = context.console.out, context.console.err, context.profile().operator
    try:
        event_filter = filter_from_args(args, context.now())
        request = ExportRequest(
            scope=ExportScope.of_filter(event_filter),
            out=args.out,
            format=_format(args),
            columns=ALL_COLUMNS if args.raw else DEFAULT_COLUMNS,
            operator=operator,
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
        result = export_events(context.db_path, request)
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


def _format(args: argparse.Namespace) -> ExportFormat:
    if args.format:
        return ExportFormat(args.format)
    suffix = Path(args.out).suffix.lower().lstrip(".")
    if suffix in ("csv", "jsonl"):
        return ExportFormat(suffix)
    if suffix in ("ndjson", "json"):
        return ExportFormat.JSONL
    raise ValueError(f"cannot tell the format from {args.out}; give --format csv or jsonl")
