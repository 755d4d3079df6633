"""Streaming export of history rows to CSV or JSON Lines, with a manifest and an audit record.

Memory stays flat: the rows are read and written a chunk at a time, each chunk in its own
short read so a long export holds no WAL snapshot. A filter of time bounds only is read by
keyset in time order, any other scope from its listed ids (store/export_source.py); rows
stored after the export started are left out either way. Card numbers are masked again on
the way out (they were masked at ingest; this is the second line of defence). The file is
written to a temp file in the target folder and renamed only when complete, after the export
has been recorded in the audit log, so a published export always has its manifest and its
audit record; a cancelled or failed export leaves neither file behind.

CSV: UTF-8 without a byte-order mark, RFC 4180 quoting, NULL as an empty cell. A text cell
that starts with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` so that a
spreadsheet shows it instead of evaluating it. Integers (row id, amount in minor units, body
size) are written as plain numbers and never prefixed: `-500` is the number -500 to a
spreadsheet, not a formula, and prefixing it would turn a refund amount into text. A value
that is text in the database is treated as text even in a numeric column.
JSON Lines: one object per row, keys in column order, integers as JSON numbers, NULL as null,
no prefixing (JSON is not evaluated).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from opsdesk import __version__
from opsdesk.store.audit import AuditLog
from opsdesk.store.errors import StoreError
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EXPORTABLE_COLUMNS, EventQuery, SortKey
from opsdesk.store.export_manifest import Manifest, file_sha256, manifest_json, manifest_path
from opsdesk.store.export_rows import (
    ExportCancelled,
    ExportFormat,
    ProgressCallback,
    write_rows,
)
from opsdesk.store.export_source import ExportSource, source_size, time_ordered

__all__ = [
    "ALL_COLUMNS",
    "DEFAULT_COLUMNS",
    "ExportCancelled",
    "ExportFormat",
    "ExportRequest",
    "ExportResult",
    "ExportScope",
    "FrozenRows",
    "export_events",
    "freeze_rows",
    "newest_row_id",
]

log = logging.getLogger(__name__)

DEFAULT_COLUMNS: tuple[str, ...] = (
    "id",
    "received_at",
    "occurred_at",
    "payment_id",
    "merchant",
    "type",
    "status",
    "amount_minor",
    "currency",
    "error_code",
    "exchange",
    "routing_key",
    "event_id",
    "idempotency_key",
    "decode_error",
    "format",
    "body_size",
)
RAW_COLUMNS: tuple[str, ...] = ("headers", "properties", "body")
ALL_COLUMNS: tuple[str, ...] = DEFAULT_COLUMNS + RAW_COLUMNS


@dataclass(frozen=True, slots=True)
class ExportScope:
    """Which rows: those matching a filter, a selection of row ids, or one payment's timeline."""

    kind: Literal["filter", "selection", "payment"]
    filter: EventFilter | None = None
    row_ids: tuple[int, ...] = ()
    payment_id: str | None = None

    @classmethod
    def of_filter(cls, event_filter: EventFilter) -> ExportScope:
        """Every matching row, oldest first."""
        return cls("filter", filter=event_filter)

    @classmethod
    def of_rows(cls, row_ids: Sequence[int]) -> ExportScope:
        """These rows, in the given order (e.g. the table's selection as sorted on screen)."""
        return cls("selection", row_ids=tuple(int(i) for i in row_ids))

    @classmethod
    def of_payment(cls, payment_id: str) -> ExportScope:
        """One payment's events in timeline order."""
        return cls("payment", payment_id=payment_id)

    def describe(self) -> str:
        if self.kind == "filter":
            return (self.filter or EventFilter()).describe()
        if self.kind == "selection":
            return f"{len(self.row_ids)} selected rows"
        return f"timeline of payment {self.payment_id!r}"


@dataclass(frozen=True, slots=True)
class FrozenRows:
    """A filter's rows as they stood at an instant: exactly what exporting `filter` writes."""

    filter: EventFilter  # bounded by `up_to_id`
    rows: int
    up_to_received_at: str | None  # when the newest row within the bound was received


def newest_row_id(db_path: str | Path) -> int:
    """The newest history row id (0 for none): where to freeze a live list. One index lookup."""
    if not Path(db_path).is_file():
        return 0
    with EventQuery(db_path) as query:
        return query.max_id()


def freeze_rows(db_path: str | Path, event_filter: EventFilter, up_to_id: int) -> FrozenRows:
    """Count `event_filter`'s rows stored up to row `up_to_id` (a full count: off the UI thread).

    Rows only ever get newer ids, so the count stays what an export of the bounded filter
    writes, however many events arrive meanwhile (retention pruning old rows aside).
    """
    bounded = replace(event_filter, up_to_id=up_to_id)
    if not Path(db_path).is_file():
        return FrozenRows(bounded, 0, None)
    with EventQuery(db_path) as query:
        return FrozenRows(bounded, query.count(bounded), query.received_at_up_to(up_to_id))


@dataclass(frozen=True, slots=True)
class ExportRequest:
    scope: ExportScope
    out: Path
    format: ExportFormat = ExportFormat.CSV
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    operator: str = ""

    def __post_init__(self) -> None:
        unknown = [c for c in self.columns if c not in EXPORTABLE_COLUMNS]
        if unknown or not self.columns:
            raise ValueError(f"cannot export columns {unknown or '(none)'}")
        object.__setattr__(self, "format", ExportFormat(self.format))
        object.__setattr__(self, "out", Path(self.out).absolute())


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    manifest_path: Path
    rows: int
    sha256: str
    manifest: Manifest = field(repr=False)


def export_events(
    db_path: str | Path,
    request: ExportRequest,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    audit: bool = True,
) -> ExportResult:
    """Write the request's rows to `request.out` plus its manifest; raise ExportCancelled.

    Cancelled (the event, or Ctrl+C in a terminal) and failed exports are audited too.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        # Checked first: the audit log's writer would otherwise create an empty history.
        raise StoreError(f"no history file at {db_path}")
    try:
        result = _export(db_path, request, on_progress, cancel, audit)
    except (ExportCancelled, KeyboardInterrupt):
        if audit:
            _record(db_path, request, "cancelled", None, None)
        raise
    except Exception as exc:
        if audit:
            try:
                _record(db_path, request, "failed", None, str(exc))
            except Exception:
                log.exception("could not record the failed export in the audit log")
        raise
    return result


def _export(
    db_path: Path,
    request: ExportRequest,
    on_progress: ProgressCallback | None,
    cancel: threading.Event | None,
    audit: bool,
) -> ExportResult:
    out = request.out
    created_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    temps: list[Path] = []
    try:
        with EventQuery(db_path) as query:
            source = _scope_source(query, request.scope)
            total = source_size(source)
            if on_progress:
                on_progress(0, total)
            fd, temp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
            temps.append(Path(temp))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
                written, first, last = write_rows(
                    query, source, request.format, request.columns, stream, on_progress, cancel
                )
        digest = file_sha256(Path(temp))
        scope = request.scope
        manifest = Manifest(
            file=out.name,
            format=request.format.value,
            sha256=digest,
            rows=written,
            columns=request.columns,
            scope=scope.kind,
            description=scope.describe(),
            filter=scope.filter.to_dict() if scope.filter is not None else None,
            payment_id=scope.payment_id,
            first_received_at=first,
            last_received_at=last,
            opsdesk_version=__version__,
            operator=request.operator,
            created_at=created_at,
            source_db=str(db_path),
        )
        target = manifest_path(out)
        fd, manifest_temp = tempfile.mkstemp(
            dir=out.parent, prefix=f".{target.name}.", suffix=".part"
        )
        temps.append(Path(manifest_temp))
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(manifest_json(manifest))
        result = ExportResult(
            path=out, manifest_path=target, rows=written, sha256=digest, manifest=manifest
        )
        if audit:  # before publishing: no export exists without its audit record
            _record(db_path, request, "ok", result, None)
        os.replace(temp, out)
        os.replace(manifest_temp, target)
        temps.clear()
    finally:
        for leftover in temps:
            leftover.unlink(missing_ok=True)
    log.info("exported %d rows to %s (sha256 %s)", written, out, digest)
    return result


def _scope_source(query: EventQuery, scope: ExportScope) -> ExportSource:
    if scope.kind == "filter":
        event_filter = scope.filter or EventFilter()
        return time_ordered(query, event_filter) or query.ids(
            event_filter, SortKey.RECEIVED, descending=False
        )
    if scope.kind == "selection":
        return scope.row_ids
    return [row_id for row_id, _ in query.timeline(scope.payment_id or "")]


def _record(
    db_path: Path,
    request: ExportRequest,
    outcome: str,
    result: ExportResult | None,
    error: str | None,
) -> None:
    scope = request.scope
    detail: dict[str, Any] = {
        "format": request.format.value,
        "scope": scope.kind,
        "description": scope.describe(),
        "filter": scope.filter.to_dict() if scope.filter is not None else None,
        "payment_id": scope.payment_id,
        "columns": list(request.columns),
    }
    if result is not None:
        detail.update(sha256=result.sha256, manifest=str(result.manifest_path))
    if error is not None:
        detail["error"] = error
    with AuditLog(db_path) as audit_log:
        audit_log.record(
            "export",
            operator=request.operator,
            source=str(db_path),
            destination=str(request.out),
            outcome=outcome,
            detail=detail,
            count=result.rows if result is not None else 0,
        )
