"""The live event table: newest first, bounded, fed in timed batches rather than per message."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer

from opsdesk.events.model import PaymentEvent
from opsdesk.ui import event_cells as cells
from opsdesk.ui.money_text import format_amount
from opsdesk.ui.rows_table_model import RowsTableModel

log = logging.getLogger(__name__)

DEFAULT_ROW_CAP = 5_000
DEFAULT_FLUSH_INTERVAL_MS = 250

_Index = QModelIndex | QPersistentModelIndex
_TIME_COLUMNS = (cells.COL_RECEIVED, cells.COL_OCCURRED)


class _Row:
    """An event and its cell texts, formatted the first time a view asks for them.

    Not when the row is added: at the tap's full rate a flush adds over a thousand rows, and
    formatting them all (~12 us each) held the UI thread for 15 ms alone, 40-120 ms with the
    tap's threads on both cores (benchmarks/ui_stall.py); a view asks for the few it shows.
    """

    __slots__ = ("_cells", "event")

    def __init__(self, event: PaymentEvent) -> None:
        self.event = event
        self._cells: tuple[str, ...] | None = None

    @property
    def cells(self) -> tuple[str, ...]:
        if self._cells is None:
            self._cells = _cell_texts(self.event)
        return self._cells


class EventTableModel(RowsTableModel[_Row]):
    """Newest event in row 0; at most `row_cap` rows, the oldest dropped first."""

    HEADERS = tuple(column.title for column in cells.COLUMNS[: cells.LIVE_COLUMN_COUNT])

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
        shown = self.row_at(row)
        return None if shown is None else shown.event

    def set_events(self, newest_first: Sequence[PaymentEvent]) -> None:
        """Replace the contents, e.g. with the latest events from the store."""
        self.replace_rows([_Row(event) for event in newest_first[: self._row_cap]])

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
        batch = [_Row(event) for event in reversed(self._pending)]
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

    def shown_cell(self, row: int, column: int) -> tuple[PaymentEvent, str] | None:
        """The row's event and the cell's text, for EventCellDelegate."""
        shown = self.row_at(row)
        if shown is None or not 0 <= column < cells.LIVE_COLUMN_COUNT:
            return None
        return shown.event, _display_text(shown, column)

    # -- QAbstractTableModel ------------------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display_text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return cells.tooltip(row.event, column)
        return cells.cell_style(row.event, column, role)


def _display_text(row: _Row, column: int) -> str:
    if column in _TIME_COLUMNS:
        return _short_timestamp(row.cells[column], _utc_today())
    return row.cells[column]


def _cell_texts(event: PaymentEvent) -> tuple[str, ...]:
    # Once per row, not on every paint.
    texts = [""] * cells.LIVE_COLUMN_COUNT
    texts[cells.COL_RECEIVED] = cells.format_timestamp(event.received_at)
    texts[cells.COL_OCCURRED] = cells.format_timestamp(event.occurred_at)
    texts[cells.COL_TYPE] = cells.type_text(
        event.type or "", event.decode_error, event.replay_of, event.replay_attempt
    )
    texts[cells.COL_STATUS] = cells.status_text(event.status)
    texts[cells.COL_AMOUNT] = format_amount(event.amount_minor, event.currency)
    texts[cells.COL_MERCHANT] = event.merchant or ""
    texts[cells.COL_PAYMENT_ID] = event.payment_id or ""
    texts[cells.COL_ERROR] = cells.error_text(event.error_code or "", event.decode_error)
    texts[cells.COL_ROUTING_KEY] = cells.source_text(event.exchange, event.routing_key)
    return tuple(texts)


def _utc_today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _short_timestamp(formatted: str, today: str) -> str:
    """Today's times without the date; older ones without the year (the tooltip has it all)."""
    if len(formatted) < 23 or formatted[4] != "-" or formatted[10] != " ":
        return formatted  # not one of ours: shown as the producer wrote it
    if formatted.startswith(today):
        return formatted[11:]
    return formatted[5:]
