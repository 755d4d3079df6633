"""Payments with no outcome yet: age, merchant, amount; choosing one shows its events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsdesk.events.model import PaymentEvent
from opsdesk.store.statistics.stuck_payments import StuckPayment
from opsdesk.ui import event_cells
from opsdesk.ui.dashboard.durations import duration_text, window_text
from opsdesk.ui.event_cells import format_timestamp
from opsdesk.ui.event_table_model import EventTableModel
from opsdesk.ui.money_text import format_amount
from opsdesk.ui.rows_table_model import RowsTableModel

_Index = QModelIndex | QPersistentModelIndex
# The lifecycle table shows only what differs between one payment's events.
_HIDDEN_EVENT_COLUMNS = (
    event_cells.COL_OCCURRED,
    event_cells.COL_MERCHANT,
    event_cells.COL_PAYMENT_ID,
    event_cells.COL_ROUTING_KEY,
)
# Sample texts that size each column for its usual content.
_EVENT_COLUMN_SAMPLES = {
    event_cells.COL_RECEIVED: "01-31 12:34:56.789",
    event_cells.COL_TYPE: "payment.authorized",
    event_cells.COL_STATUS: "✓ succeeded",
    event_cells.COL_AMOUNT: "123456.78 EUR",
}


class StuckPaymentsModel(RowsTableModel[StuckPayment]):
    """Oldest first, as the statistics return them."""

    COL_AGE = 0
    COL_MERCHANT = 1
    COL_AMOUNT = 2
    COL_LAST_EVENT = 3
    COL_PAYMENT = 4  # last: ids vary in length, and it takes the remaining width
    HEADERS = ("Age", "Merchant", "Amount", "Last event", "Payment")

    def set_payments(self, payments: Sequence[StuckPayment]) -> None:
        self.replace_rows(payments)

    def payment_at(self, row: int) -> StuckPayment | None:
        return self.row_at(row)

    def row_of(self, payment_id: str) -> int | None:
        for row, payment in enumerate(self._rows):
            if payment.payment_id == payment_id:
                return row
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        payment = self.payment_at(index.row()) if index.isValid() else None
        if payment is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(payment, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.COL_AGE:
                return f"first seen {format_timestamp(payment.first_seen)} UTC"
            if column == self.COL_LAST_EVENT:
                return f"last seen {format_timestamp(payment.last_seen)} UTC"
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            self.COL_AGE,
            self.COL_AMOUNT,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


# Sample texts that size each column of the stuck list.
_STUCK_COLUMN_SAMPLES = {
    StuckPaymentsModel.COL_AGE: "23h 59m",
    StuckPaymentsModel.COL_MERCHANT: "northwind-travel",
    StuckPaymentsModel.COL_AMOUNT: "123456.78 EUR",
    StuckPaymentsModel.COL_LAST_EVENT: "payment.authorized",
}


def _cell(payment: StuckPayment, column: int) -> str:
    if column == StuckPaymentsModel.COL_AGE:
        return duration_text(payment.age_seconds)
    if column == StuckPaymentsModel.COL_MERCHANT:
        return payment.merchant or ""
    if column == StuckPaymentsModel.COL_AMOUNT:
        return format_amount(payment.amount_minor, payment.currency)
    if column == StuckPaymentsModel.COL_PAYMENT:
        return payment.payment_id
    if column == StuckPaymentsModel.COL_LAST_EVENT:
        return payment.last_type or ""
    return ""


class StuckPaymentsPanel(QWidget):
    """The stuck list above, the chosen payment's events below."""

    payment_activated = Signal(str)  # payment_id: chosen by click or keyboard
    replay_requested = Signal(object)  # list[str]: the selected payments, to retry

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = StuckPaymentsModel(self)
        self._title = QLabel("Stuck payments", self)
        self.table = _table(self)
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.replay_button = QPushButton("Replay Payment…", self)
        self.replay_button.setObjectName("replayStuckPaymentButton")
        self.replay_button.setToolTip(
            "Retry the selected payments: each one's request is re-sent, previewed first"
        )
        self.replay_button.setEnabled(False)
        self.replay_button.clicked.connect(self._on_replay_clicked)
        self.events_model = EventTableModel(parent=self)
        self._events_title = QLabel("Choose a stuck payment to see its events", self)
        self._events_title.setWordWrap(True)
        self.events_table = _table(self)
        self.events_table.setModel(self.events_model)
        for column in _HIDDEN_EVENT_COLUMNS:
            self.events_table.setColumnHidden(column, True)
        _size_columns(self.table, _STUCK_COLUMN_SAMPLES)
        _size_columns(self.events_table, _EVENT_COLUMN_SAMPLES)
        self._shown_payment: str | None = None

        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self._events_title)
        lower_layout.addWidget(self.events_table, 1)
        upper = QWidget(self)
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(self._title, 1)
        heading.addWidget(self.replay_button)
        upper_layout.addLayout(heading)
        upper_layout.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(lower)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.table.clicked.connect(self._on_clicked)
        self.table.activated.connect(self._on_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)

    @property
    def shown_payment(self) -> str | None:
        return self._shown_payment

    def title_text(self) -> str:
        return self._title.text()

    def selected_payment_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [p.payment_id for r in rows if (p := self.model.payment_at(r)) is not None]

    def set_payments(self, payments: Sequence[StuckPayment], min_age_seconds: float) -> None:
        """New list; the selected (or chosen) payments stay selected while still stuck."""
        kept = self.selected_payment_ids() or ([self._shown_payment] if self._shown_payment else [])
        self.model.set_payments(payments)
        self._title.setText(
            f"Stuck payments — {len(payments):,} with no outcome after "
            f"{window_text(min_age_seconds)}"
        )
        self._select(kept)
        self._on_selection_changed()  # a model reset clears the selection without a signal

    def show_events(self, payment_id: str, events: Sequence[PaymentEvent]) -> None:
        """The lifecycle of `payment_id`, in arrival order."""
        self._shown_payment = payment_id
        self._events_title.setText(f"Events of {payment_id} ({len(events):,}, oldest first)")
        self.events_model.set_events(list(events))

    def show_events_error(self, payment_id: str, reason: str) -> None:
        self._events_title.setText(f"Cannot load the events of {payment_id}: {reason}")
        self.events_model.set_events([])

    def _select(self, payment_ids: Sequence[str]) -> None:
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for payment_id in payment_ids:
            row = self.model.row_of(payment_id)
            if row is not None:
                selection.select(self.model.index(row, 0), self.model.index(row, last))
        self.table.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def _on_selection_changed(self, *_: object) -> None:
        self.replay_button.setEnabled(self.table.selectionModel().hasSelection())

    def _on_replay_clicked(self) -> None:
        payment_ids = self.selected_payment_ids()
        if payment_ids:
            self.replay_requested.emit(payment_ids)

    def _on_clicked(self, index: QModelIndex) -> None:
        payment = self.model.payment_at(index.row())
        if payment is not None:
            self._shown_payment = payment.payment_id
            self.payment_activated.emit(payment.payment_id)


def _table(parent: QWidget) -> QTableView:
    table = QTableView(parent)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setHighlightSections(False)
    return table


def _size_columns(table: QTableView, samples: dict[int, str]) -> None:
    metrics = table.fontMetrics()
    for column, sample in samples.items():
        table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 16)
