"""The alert log as a table: newest first, bounded, firing ones marked.

"Ended" is when the condition was seen to clear. An alert nobody watched when it cleared
(the desk was closed, the queue figures were stale) ended at the latest then, and says so;
one still open but not seen firing lately (left by an earlier run) is not called firing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from opsdesk.store.alert_log import AlertRecord
from opsdesk.ui.alerts.alert_text import value_text
from opsdesk.ui.dashboard.durations import duration_text
from opsdesk.ui.event_cells import format_timestamp
from opsdesk.ui.rows_table_model import RowsTableModel

_Index = QModelIndex | QPersistentModelIndex

DEFAULT_ROW_CAP = 500
# An open alert last seen firing longer ago than this is unknown, not firing: the worker
# marks what it sees every round (5 s).
DEFAULT_UNSEEN_AFTER = 60.0
FIRING = "● firing"
UNSEEN = "? not seen since"
_END_NOTES = {
    "unwatched": "cleared unwatched",
    "rule_changed": "rule changed",
    "not_reported": "no longer reported",
}
_END_TIPS = {
    "unwatched": (
        "The condition cleared while nobody watched (the desk was closed or the queue "
        "figures were stale): after {last_seen} and at the latest {ended}."
    ),
    "rule_changed": "Ended at {ended} because its rule was changed or removed.",
    "not_reported": (
        "Ended at {ended}: the queue monitor no longer reports this queue (deleted, or no "
        "longer watched). Last seen firing {last_seen}."
    ),
}
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

    def __init__(
        self,
        *,
        row_cap: int = DEFAULT_ROW_CAP,
        unseen_after: float = DEFAULT_UNSEEN_AFTER,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._row_cap = row_cap
        self._unseen_after = unseen_after
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
        return sum(1 for record in self._rows if self.is_firing(record))

    def unseen_count(self) -> int:
        """Open alerts not seen firing lately: their state is unknown."""
        return sum(1 for r in self._rows if r.ended_at is None and not self.is_firing(r))

    def is_firing(self, record: AlertRecord) -> bool:
        if record.ended_at is not None:
            return False
        if record.last_seen_at is None or self._now is None:
            return True
        try:
            seen = _parse(record.last_seen_at)
        except ValueError:
            return True
        return (self._now - seen).total_seconds() <= self._unseen_after

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
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_ENDED:
            return _end_tip(record, self.is_firing(record))
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
            return self._ended(record)
        if column == self.COL_DURATION:
            return _lasted(record, self._now if self.is_firing(record) else None)
        if column == self.COL_RULE:
            return record.rule
        if column == self.COL_SUBJECT:
            return record.subject or ""
        if column == self.COL_VALUE:
            return value_text(record.value, record.kind)
        if column == self.COL_THRESHOLD:
            return value_text(record.threshold, record.kind)
        if column == self.COL_MESSAGE:
            return record.message
        return ""

    def _ended(self, record: AlertRecord) -> str:
        if record.ended_at is None:
            if self.is_firing(record):
                return FIRING
            return f"{UNSEEN} {format_timestamp(record.last_seen_at)}"
        note = _END_NOTES.get(record.end_reason or "")
        ended = format_timestamp(record.ended_at)
        if record.end_reason == "unwatched":
            return f"≤ {ended} ({note})"
        return f"{ended} ({note})" if note else ended


def _lasted(record: AlertRecord, now: datetime | None) -> str:
    """Start to end; an end not seen gives a range: known to have lasted, at most."""
    try:
        start = _parse(record.started_at)
        end = _parse(record.ended_at) if record.ended_at else now
        seen = _parse(record.last_seen_at) if record.last_seen_at else None
    except ValueError:
        return ""
    unseen_end = record.end_reason == "unwatched" or (record.ended_at is None and now is None)
    if unseen_end and seen is not None:
        known = duration_text((seen - start).total_seconds())
        if end is None:
            return f"≥ {known}"
        return f"{known} to {duration_text((end - start).total_seconds())}"
    if end is None:
        return ""
    return duration_text((end - start).total_seconds())


def _end_tip(record: AlertRecord, firing: bool) -> str:
    last_seen = format_timestamp(record.last_seen_at) or "?"
    if record.ended_at is None:
        if firing:
            return "Firing now: the condition still holds."
        return (
            f"Last seen firing {last_seen}; not judged since (the desk was closed, or the "
            "queue figures are stale). It is resumed or ended once its figures are current."
        )
    tip = _END_TIPS.get(record.end_reason or "")
    ended = format_timestamp(record.ended_at)
    if tip is None:
        return f"The condition cleared {ended}."
    return tip.format(ended=ended, last_seen=last_seen)


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))
