"""The live table view: follows the newest event, or holds still while the user reads."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, QPersistentModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from opsdesk.events.model import PaymentEvent
from opsdesk.ui.event_table_model import EventTableModel

_Index = QModelIndex | QPersistentModelIndex

# Sample texts that size each column for its usual content.
_COLUMN_SAMPLES = {
    EventTableModel.COL_RECEIVED: "01-31 12:34:56.789",
    EventTableModel.COL_OCCURRED: "01-31 12:34:56.789",
    EventTableModel.COL_TYPE: "payment.authorized",
    EventTableModel.COL_STATUS: "✓ succeeded",
    EventTableModel.COL_AMOUNT: "-123456.78 EUR",
    EventTableModel.COL_MERCHANT: "northwind-travel",
    EventTableModel.COL_PAYMENT_ID: "pay_0123456789abcdefghij",
    EventTableModel.COL_ERROR: "insufficient_funds",
}


class LiveEventTableView(QTableView):
    """Inserting at the top never moves the rows the user is looking at or has selected."""

    # following: the view shows the newest event; newer: events above the visible rows.
    follow_state_changed = Signal(bool, int)
    current_event_changed = Signal(object)  # PaymentEvent | None

    def __init__(self, model: EventTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._anchor: tuple[int, int] | None = None  # (top visible row, its y) before an insert
        self._shown_event: PaymentEvent | None = None
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        rows = self.verticalHeader()
        rows.hide()
        # Fixed heights: no per-row measuring, whatever the row count.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        columns = self.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setHighlightSections(False)
        padding = 24
        for column, sample in _COLUMN_SAMPLES.items():
            self.setColumnWidth(column, self.fontMetrics().horizontalAdvance(sample) + padding)
        model.rowsAboutToBeInserted.connect(self._on_rows_about_to_be_inserted)
        model.rowsInserted.connect(self._on_rows_inserted)
        model.rowsRemoved.connect(self._on_layout_moved)
        model.modelReset.connect(self._on_layout_moved)
        self.verticalScrollBar().valueChanged.connect(self._on_layout_moved)
        selection = self.selectionModel()
        selection.selectionChanged.connect(self._on_selection_changed)
        selection.currentRowChanged.connect(self._on_current_row_changed)

    def is_following(self) -> bool:
        """True when new events should appear in view: at the top, nothing selected."""
        return self.verticalScrollBar().value() == 0 and not self.selectionModel().hasSelection()

    def newer_row_count(self) -> int:
        """How many rows lie above the first visible one."""
        return max(0, self.rowAt(0))

    def current_event(self) -> PaymentEvent | None:
        index = self.selectionModel().currentIndex()
        if not index.isValid() or not self.selectionModel().hasSelection():
            return None
        return self._model.event_at(index.row())

    def jump_to_newest(self) -> None:
        """Drop the selection and go back to following the newest event."""
        self.selectionModel().clear()
        self.scrollToTop()

    def clear_selection(self) -> None:
        """Drop the selection (and the current row) without moving the view."""
        self.selectionModel().clear()

    def _on_rows_about_to_be_inserted(self, parent: _Index, first: int, last: int) -> None:
        self._anchor = None
        if first != 0 or self.is_following():
            return
        top = self.rowAt(0)
        if top >= 0:
            self._anchor = (top, self.rowViewportPosition(top))

    def _on_rows_inserted(self, parent: _Index, first: int, last: int) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is not None:
            top, y = anchor
            # Qt lays the view out lazily; the scroll range must include the new rows now,
            # or setValue below would be clamped to the old range.
            self.updateGeometries()
            moved_to = top + (last - first + 1)
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + self.rowViewportPosition(moved_to) - y)
        self._emit_follow_state()

    def _on_layout_moved(self, *_: object) -> None:
        self._emit_follow_state()

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._emit_follow_state()
        self._emit_current_event()

    def _on_current_row_changed(self, current: _Index, previous: _Index) -> None:
        self._emit_current_event()

    def _emit_current_event(self) -> None:
        # Selection and current row often change together; report each event once.
        event = self.current_event()
        if event is not self._shown_event:
            self._shown_event = event
            self.current_event_changed.emit(event)

    def _emit_follow_state(self) -> None:
        self.follow_state_changed.emit(self.is_following(), self.newer_row_count())
