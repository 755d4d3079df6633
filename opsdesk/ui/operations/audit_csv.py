"""The audit records an operator sees, as CSV that a spreadsheet shows instead of evaluating."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from opsdesk.store.audit import AuditRecord
from opsdesk.store.export_rows import FORMULA_START

COLUMNS = (
    "id",
    "at",
    "operator",
    "action",
    "source",
    "destination",
    "count",
    "outcome",
    "message_ids",
    "detail",
    "prev_hash",
    "hash",
)


def safe_cell(text: str) -> str:
    """A leading `'` on text a spreadsheet would take for a formula (as the history export does)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def write_audit_csv(
    path: Path,
    records: Sequence[AuditRecord],
    before_publish: Callable[[], None] | None = None,
) -> int:
    """Write `records` to `path` (replaced whole, never half-written); how many were written.

    `before_publish` runs once the file is complete but before it appears at `path` (the
    export's audit record): if it raises, no file appears and the exception goes on.
    """
    folder = path.parent
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(COLUMNS)
            for r in records:
                writer.writerow(
                    [
                        r.id,
                        safe_cell(r.at),
                        safe_cell(r.operator),
                        safe_cell(r.action),
                        safe_cell(r.source),
                        safe_cell(r.destination),
                        r.count,
                        safe_cell(r.outcome),
                        safe_cell(" ".join(r.message_ids)),
                        safe_cell(json.dumps(dict(r.detail), sort_keys=True, default=str)),
                        r.prev_hash,
                        r.hash,
                    ]
                )
        if before_publish is not None:
            before_publish()
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return len(records)
