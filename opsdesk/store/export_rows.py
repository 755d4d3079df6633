"""Rows to CSV or JSON Lines text, chunk by chunk, masked and (for CSV) formula-safe.

SQLite shapes each row in C (the formula prefix for CSV, the whole object for JSON Lines) and
card numbers are masked over each chunk's text: per-cell Python work would cap an export near
80k rows/s. See store/export.py for the format rules.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any

from opsdesk.events.masking import mask_pans
from opsdesk.store.event_query import EventQuery

__all__ = ["CHUNK_ROWS", "FORMULA_START", "ExportCancelled", "ExportFormat", "write_rows"]

CHUNK_ROWS = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SQL_FORMULA_START = ", ".join(str(ord(ch)) for ch in FORMULA_START)
_SQL_QUOTE = "''''"  # the SQL literal for one single quote

ProgressCallback = Callable[[int, int], None]


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


class ExportCancelled(Exception):
    """The export was cancelled; its partial file was removed."""


def write_rows(
    query: EventQuery,
    ids: Sequence[int],
    fmt: ExportFormat,
    columns: Sequence[str],
    stream: IO[str],
    on_progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> tuple[int, str | None, str | None]:
    """Stream the rows; return (rows written, first and last received_at)."""
    csv_format = fmt is ExportFormat.CSV
    # SQLite shapes each row (formula prefix for CSV, the whole JSON object for JSONL) in C;
    # received_at rides along as the last value, for the manifest's time range.
    expressions = [*_row_expressions(columns, csv_format), "events.received_at"]
    width = len(expressions) - 1
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if csv_format:
        writer.writerow(columns)
    first: str | None = None
    last: str | None = None
    written = 0
    for start in range(0, len(ids), CHUNK_ROWS):
        if cancel is not None and cancel.is_set():
            raise ExportCancelled("export cancelled")
        rows = query.select_by_ids(ids[start : start + CHUNK_ROWS], expressions)
        if rows:
            received = [row[-1] for row in rows]
            first = min(first or received[0], min(received))
            last = max(last or received[0], max(received))
        if csv_format:
            writer.writerows(row[:width] for row in rows)
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            # Masking keeps lengths and only turns digits of a run into "*"; a run cannot
            # cross a comma, quote or line break, so this equals masking cell by cell.
            stream.write(mask_pans(text))
        elif rows:
            stream.write(_masked_json_lines("\n".join(row[0] for row in rows) + "\n"))
        written += len(rows)
        if on_progress:
            on_progress(min(start + CHUNK_ROWS, len(ids)), len(ids))
    if cancel is not None and cancel.is_set():
        raise ExportCancelled("export cancelled")
    return written, first, last


def _row_expressions(columns: Sequence[str], csv_format: bool) -> list[str]:
    """SQL for one output row; column names come from the EXPORTABLE_COLUMNS whitelist."""
    if not csv_format:
        pairs = ", ".join(f"'{name}', events.{name}" for name in columns)
        return [f"json_object({pairs})"]
    # unicode() first: it rules out nearly every cell before typeof() is asked.
    return [
        f"CASE WHEN unicode(events.{name}) IN ({_SQL_FORMULA_START}) "
        f"AND typeof(events.{name}) = 'text' "
        f"THEN {_SQL_QUOTE} || events.{name} ELSE events.{name} END"
        for name in columns
    ]


def _masked_json_lines(text: str) -> str:
    """Mask card numbers in JSON Lines text, keeping every line valid JSON.

    Inside a JSON string masking keeps the line valid (same length, digits become `*`).
    Only a bare number that looks like a card number breaks it: such a line is rebuilt from
    its values, and that number becomes its masked text (a card number in a numeric field is
    still a card number; no amount in minor units has 13+ digits).
    """
    masked = mask_pans(text)
    if masked is text:
        return text
    lines = masked.split("\n")
    for index, (before, after) in enumerate(zip(text.split("\n"), lines, strict=True)):
        if before == after:
            continue
        try:
            json.loads(after)
        except ValueError:
            record = json.loads(before)
            cells = {k: _masked_value(v) for k, v in record.items()}
            lines[index] = json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
    return "\n".join(lines)


def _masked_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pans(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        masked = mask_pans(text)
        return value if masked == text else masked
    return value
