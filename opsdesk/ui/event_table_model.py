"""The live event table: newest first, bounded, fed in timed batches rather than per message."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.ui.money_text import format_amount

log = logging.getLogger(__name__)

DEFAULT_ROW_CAP = 5_000
DEFAULT_FLUSH_INTERVAL_MS = 250

_Index = QModelIndex | QPersistentModelIndex

# Foreground and background are always set together so the pair stays readable on light
# and dark palettes alike; selected rows use the palette's highlight colours instead.
STATUS_COLOURS: dict[Status, tuple[QColor, QColor]] = {
    Status.SUCCEEDED: (QColor("#185c27"), QColor("#dff3e3")),
    Status.FAILED: (QColor("#8f1d1d"), QColor("#fbe0df")),
    Status.PENDING: (QColor("#6b5200"), QColor("#fff3cf")),
    Status.REFUNDED: (QColor("#27457a"), QColor("#e3eafa")),
}
DECODE_ERROR_COLOURS = (QColor("#7a3e00"), QColor("#ffe6c7"))
# A mark next to the word, so status does not rest on colour alone.
STATUS_MARKS = {
    Status.SUCCEEDED: "✓",
    Status.FAILED: "✗",
    Status.PENDING: "…",
    Status.REFUNDED: "↺",
    Status.UNKNOWN: "?",
}
DECODE_MARK = "⚠"


@dataclass(frozen=True, slots=True)
class _Row:
    event: PaymentEvent
    cells: tuple[str, ...]


class EventTableModel(QAbstractTableModel):
    """Newest event in row 0; at most `row_cap` rows, the oldest dropped first."""

    COL_RECEIVED = 0
    COL_OCCURRED = 1
    COL_TYPE = 2
    COL_STATUS = 3
    COL_AMOUNT = 4
    COL_MERCHANT = 5
    COL_PAYMENT_ID = 6
    COL_ERROR = 7
    COL_ROUTING_KEY = 8

    HEADERS = (
        "Received (UTC)",
        "Occurred (UTC)",
        "Type",
        "Status",
        "Amount",
        "Merchant",
        "Payment",
        "Error",
        "Routing key",
    )
    TIME_COLUMNS = (COL_RECEIVED, COL_OCCURRED)

    def __init__(
        self,
        *,
        row_cap: int = DEFAULT_ROW_CAP,
        flush_interval_ms: int = DEFAULT_FLUSH_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if row_cap < 1:
            raise ValueError(f"row_cap must be positive, not {row_cap}")
        self._row_cap = row_cap
        self._rows: list[_Row] = []
        self._pending: list[PaymentEvent] = []  # arrival order, oldest first
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(flush_interval_ms)
        self._flush_timer.timeout.connect(self._on_flush_timer)

    @property
    def row_cap(self) -> int:
        return self._row_cap

    @property
    def pending_count(self) -> int:
        """Events received but not yet shown (they appear at the next flush)."""
        return len(self._pending)

    def event_at(self, row: int) -> PaymentEvent | None:
        """The event shown in `row`, or None outside the table."""
        if 0 <= row < len(self._rows):
            return self._rows[row].event
        return None

    def set_events(self, newest_first: Sequence[PaymentEvent]) -> None:
        """Replace the contents, e.g. with the latest events from the store."""
        self.beginResetModel()
        self._rows = [_row(event) for event in newest_first[: self._row_cap]]
        self.endResetModel()

    def append_live(self, arrival_order: Iterable[PaymentEvent]) -> None:
        """Queue newly stored events (oldest first); they are shown at the next flush."""
        self._pending.extend(arrival_order)
        # Past a full table's worth, older pending events would be dropped at the flush anyway.
        if len(self._pending) > self._row_cap:
            del self._pending[: len(self._pending) - self._row_cap]
        if self._pending and not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush(self) -> None:
        """Show the queued events now: one insertion at the top, one removal at the bottom."""
        self._flush_timer.stop()
        if not self._pending:
            return
        batch = [_row(event) for event in reversed(self._pending)]
        self._pending.clear()
        # Remove first, so the table never holds more than row_cap rows.
        excess = len(self._rows) + len(batch) - self._row_cap
        if excess > 0:
            keep = len(self._rows) - excess
            self.beginRemoveRows(QModelIndex(), keep, len(self._rows) - 1)
            del self._rows[keep:]
            self.endRemoveRows()
        self.beginInsertRows(QModelIndex(), 0, len(batch) - 1)
        self._rows[0:0] = batch
        self.endInsertRows()

    def _on_flush_timer(self) -> None:
        self.flush()

    # -- QAbstractTableModel ------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column in self.TIME_COLUMNS:
                return _short_timestamp(row.cells[column], _utc_today())
            return row.cells[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row.event, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_AMOUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            colours = _colours(row.event, column)
            if colours is None:
                return None
            foreground, background = colours
            return QBrush(foreground if role == Qt.ItemDataRole.ForegroundRole else background)
        if (
            role == Qt.ItemDataRole.FontRole
            and column == self.COL_STATUS
            and row.event.status == Status.FAILED
        ):
            font = QFont()
            font.setBold(True)
            return font
        return None


def _row(event: PaymentEvent) -> _Row:
    # Formatted once here, not on every paint.
    cells = [""] * len(EventTableModel.HEADERS)
    cells[EventTableModel.COL_RECEIVED] = format_timestamp(event.received_at)
    cells[EventTableModel.COL_OCCURRED] = format_timestamp(event.occurred_at)
    cells[EventTableModel.COL_TYPE] = _type_text(event)
    cells[EventTableModel.COL_STATUS] = f"{STATUS_MARKS[event.status]} {event.status.value}"
    cells[EventTableModel.COL_AMOUNT] = format_amount(event.amount_minor, event.currency)
    cells[EventTableModel.COL_MERCHANT] = event.merchant or ""
    cells[EventTableModel.COL_PAYMENT_ID] = event.payment_id or ""
    cells[EventTableModel.COL_ERROR] = _error_text(event)
    cells[EventTableModel.COL_ROUTING_KEY] = event.routing_key
    return _Row(event, tuple(cells))


def _type_text(event: PaymentEvent) -> str:
    # Flagged here too: the type column is always in view, the error column may not be.
    if event.decode_error:
        return f"{DECODE_MARK} {event.type or 'not decoded'}"
    return event.type or ""


def _error_text(event: PaymentEvent) -> str:
    if event.decode_error:
        prefix = f"{event.error_code} · " if event.error_code else ""
        return f"{prefix}{DECODE_MARK} not decoded: {event.decode_error}"
    return event.error_code or ""


def _colours(event: PaymentEvent, column: int) -> tuple[QColor, QColor] | None:
    if column == EventTableModel.COL_STATUS:
        return STATUS_COLOURS.get(event.status)
    if column in (EventTableModel.COL_TYPE, EventTableModel.COL_ERROR) and event.decode_error:
        return DECODE_ERROR_COLOURS
    return None


def _tooltip(event: PaymentEvent, column: int) -> str | None:
    if column == EventTableModel.COL_RECEIVED:
        return event.received_at
    if column == EventTableModel.COL_OCCURRED:
        return event.occurred_at
    if column in (EventTableModel.COL_TYPE, EventTableModel.COL_ERROR) and event.decode_error:
        return f"The body could not be decoded: {event.decode_error}"
    if column == EventTableModel.COL_AMOUNT and event.amount_minor is not None:
        return f"{event.amount_minor} minor units {event.currency or ''}".rstrip()
    return None


def _utc_today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _short_timestamp(formatted: str, today: str) -> str:
    """Today's times without the date; older ones without the year (the tooltip has it all)."""
    if len(formatted) < 23 or formatted[4] != "-" or formatted[10] != " ":
        return formatted  # not one of ours: shown as the producer wrote it
    if formatted.startswith(today):
        return formatted[11:]
    return formatted[5:]


def format_timestamp(iso: str | None) -> str:
    """ISO-8601 as `2026-01-31 12:34:56.789` in UTC; unparseable text is shown as it came."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
