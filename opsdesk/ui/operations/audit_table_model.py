"""Audit records as a table, newest first: who did what, where, to how many, how it ended."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from opsdesk.store.audit import AuditRecord
from opsdesk.ui.rows_table_model import RowsTableModel

COL_ID = 0
COL_TIME = 1
COL_OPERATOR = 2
COL_ACTION = 3
COL_SOURCE = 4
COL_DESTINATION = 5
COL_COUNT = 6
COL_OUTCOME = 7
HEADERS = ("#", "Time (UTC)", "Operator", "Action", "Source", "Destination", "Count", "Outcome")

MAX_IDS_SHOWN = 2000
_Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_OUTCOME_COLORS = {
    "failed": QColor("#8f1d1d"),
    "refused": QColor("#8f1d1d"),
    "partial": QColor("#6b5200"),
    "cancelled": QColor("#6b5200"),
}


def time_text(at: str) -> str:
    """`2024-05-01 12:00:00` from the stored ISO text (to the second)."""
    return at.replace("T", " ")[:19]


def record_text(record: AuditRecord) -> str:
    """One record in full, for the details pane and the clipboard."""
    ids = record.message_ids
    shown = "\n".join(ids[:MAX_IDS_SHOWN]) or "(none)"
    if len(ids) > MAX_IDS_SHOWN:
        shown += f"\n… and {len(ids) - MAX_IDS_SHOWN:,} more"
    lines = [
        f"record       #{record.id}",
        f"time         {record.at}",
        f"operator     {record.operator}",
        f"action       {record.action}",
        f"source       {record.source or '—'}",
        f"destination  {record.destination or '—'}",
        f"count        {record.count:,}",
        f"outcome      {record.outcome}",
        f"hash         {record.hash}",
        f"prev hash    {record.prev_hash}",
        "",
        f"── Message ids ({len(ids):,}) ──",
        shown,
        "",
        "── Detail ──",
        json.dumps(dict(record.detail), indent=2, ensure_ascii=False, default=str),
    ]
    return "\n".join(lines)


class AuditTableModel(RowsTableModel[AuditRecord]):
    HEADERS = HEADERS

    def set_records(self, records: Sequence[AuditRecord]) -> None:
        self.replace_rows(records)

    def records(self) -> tuple[AuditRecord, ...]:
        return tuple(self._rows)

    def record(self, row: int) -> AuditRecord | None:
        return self.row_at(row)

    def row_of(self, record_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == record_id), None)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        record = self.record(index.row()) if index.isValid() else None
        if record is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(record, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_ID, COL_COUNT):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_OUTCOME:
            return _OUTCOME_COLORS.get(record.outcome)
        return None

    def _text(self, record: AuditRecord, column: int) -> str:
        if column == COL_ID:
            return str(record.id)
        if column == COL_TIME:
            return time_text(record.at)
        if column == COL_OPERATOR:
            return record.operator
        if column == COL_ACTION:
            return record.action
        if column == COL_SOURCE:
            return record.source
        if column == COL_DESTINATION:
            return record.destination
        if column == COL_COUNT:
            return f"{record.count:,}"
        if column == COL_OUTCOME:
            return record.outcome
        return ""
