"""Rows to CSV or JSON Lines text, chunk by chunk, masked and (for CSV) formula-safe.

SQLite shapes each row in C (the whole CSV line, store/csv_lines.py, or the whole JSON Lines
object) and card numbers are masked over each chunk's text: per-cell Python work capped an export
near 85k rows/s. See store/export.py for the format rules.
"""

from __future__ import annotations

import enum
import json
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any

from opsdesk.events.masking import mask_pans
from opsdesk.store.csv_lines import (
    FORMULA_START,
    csv_line_expression,
    formula_safe_expression,
    lines_to_reshape,
    write_csv_rows,
)
from opsdesk.store.event_query import EventQuery
from opsdesk.store.export_source import CHUNK_ROWS, ExportSource, chunks, source_size

__all__ = ["CHUNK_ROWS", "FORMULA_START", "ExportCancelled", "ExportFormat", "write_rows"]

ProgressCallback = Callable[[int, int], None]


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


class ExportCancelled(Exception):
    """The export was cancelled; its partial file was removed."""


def write_rows(
    query: EventQuery,
    source: ExportSource,
    fmt: ExportFormat,
    columns: Sequence[str],
    stream: IO[str],
    on_progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> tuple[int, str | None, str | None]:
    """Stream the rows; return (rows written, first and last received_at)."""
    csv_format = fmt is ExportFormat.CSV
    # SQLite shapes each row (the whole CSV line, or the whole JSON object) in C; received_at
    # and the id ride along (store/export_source.py) for the manifest's time range and for a
    # CSV line left to Python.
    if csv_format:
        expressions = [csv_line_expression(columns)]
        stream.write(write_csv_rows([columns])[0] + "\r\n")
    else:
        pairs = ", ".join(f"'{name}', events.{name}" for name in columns)
        expressions = [f"json_object({pairs})"]
    first: str | None = None
    last: str | None = None
    written = 0
    total = source_size(source)
    for rows, done in chunks(query, source, expressions):
        if cancel is not None and cancel.is_set():
            raise ExportCancelled("export cancelled")
        if rows:
            received = [row[-2] for row in rows]
            first = min(first or received[0], min(received))
            last = max(last or received[0], max(received))
            lines = [row[0] for row in rows]
            if csv_format:
                _shape_in_python(query, rows, lines, columns)
                # Masking keeps lengths and only turns digits of a run into "*"; a run cannot
                # cross a comma, quote or line break, so this equals masking cell by cell.
                text = mask_pans("\r\n".join(lines) + "\r\n")
            else:
                text = _masked_json_lines("\n".join(lines) + "\n")
            # `text` lives on until the next chunk's replaces it: freed with the rest of the
            # chunk, it let glibc hand the heap top back to the OS after every chunk and fault
            # it in again (1M rows: 440k page faults and 1.4 s of system time; 110k, 0.6 s).
            stream.write(text)
        written += len(rows)
        if on_progress:
            on_progress(done, total)
    if cancel is not None and cancel.is_set():
        raise ExportCancelled("export cancelled")
    return written, first, last


def _shape_in_python(
    query: EventQuery, rows: Sequence[Sequence[Any]], lines: list[str], columns: Sequence[str]
) -> None:
    """Shape again with csv.writer the lines SQLite's join may have got wrong (few)."""
    redo = lines_to_reshape(lines, len(columns))
    if not redo:
        return
    values = query.select_by_ids(
        [rows[index][-1] for index in redo], [formula_safe_expression(c) for c in columns]
    )
    for index, line in zip(redo, write_csv_rows(values), strict=True):
        lines[index] = line


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
