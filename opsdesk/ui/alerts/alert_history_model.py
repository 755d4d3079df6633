"""The alert log as a table: newest first, bounded, firing ones marked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from opsdesk.store.alert_log import AlertRecord
from opsdesk.ui.alerts.alert_text import value_text
from opsdesk.ui.dashboard.durations import duration_text
from opsdesk.ui.event_table_model import format_timestamp
from opsdesk.ui.rows_table_model import RowsTableModel

_Index = QModelIndex | QPersistentModelIndex

DEFAULT_ROW_CAP = 500
FIRING = "● firing"
_FIRING_COLOURS = (QColor("#8f1d1d"), QColor("#fbe0df"))


class AlertHistoryModel(RowsTableModel[AlertRecord]):
    """One row per alert (rule on subject, started, ended); at most `row_cap` rows."""

    COL_STARTED = 0
    COL_ENDED = 1
    COL_DURATION = 2
    COL_RULE = 3
    COL_SUBJECT = 4
    COL_VALUE = 5
    COL_THRESHOLD = 6
    COL_MESSAGE = 7
    HEADERS = (
        "Started (UTC)",
        "Ended (UTC)",
        "Lasted",
        "Rule",
        "Subject",
        "Value",
        "Threshold",
        "Message",
    )

    def __init__(self, *, row_cap: int = DEFAULT_ROW_CAP, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._row_cap = row_cap
        self._now: datetime | None = None

    @property
    def row_cap(self) -> int:
        return self._row_cap

    def set_records(self, newest_first: Sequence[AlertRecord], now: datetime) -> None:
        """Replace the rows; `now` gives firing alerts their duration so far."""
        self._now = now
        self.replace_rows(newest_first[: self._row_cap])

    def record_at(self, row: int) -> AlertRecord | None:
        return self.row_at(row)

    def firing_count(self) -> int:
        return sum(1 for record in self._rows if record.ended_at is None)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        record = self.record_at(index.row()) if index.isValid() else None
        if record is None:
            return None
        column = index.column()
        firing = record.ended_at is None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(record, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_MESSAGE:
            return record.message
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            self.COL_DURATION,
            self.COL_VALUE,
            self.COL_THRESHOLD,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if firing and column == self.COL_ENDED:
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(_FIRING_COLOURS[0])
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(_FIRING_COLOURS[1])
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        return None

    def _cell(self, record: AlertRecord, column: int) -> str:
        if column == self.COL_STARTED:
            return format_timestamp(record.started_at)
        if column == self.COL_ENDED:
            return FIRING if record.ended_at is None else format_timestamp(record.ended_at)
        if column == self.COL_DURATION:
            return _lasted(record, self._now)
        if column == self.COL_RULE:
            return record.rule
        if column == self.COL_SUBJECT:
            return record.subject or ""
        if column == self.COL_VALUE:
            return value_text(record.value)
        if column == self.COL_THRESHOLD:
            return value_text(record.threshold)
        if column == self.COL_MESSAGE:
            return record.message
        return ""


def _lasted(record: AlertRecord, now: datetime | None) -> str:
    try:
        start = _parse(record.started_at)
        end = _parse(record.ended_at) if record.ended_at else now
    except ValueError:
        return ""
    if end is None:
        return ""
    return duration_text((end - start).total_seconds())


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))
