"""The live table view: follows the newest event, or holds still while the user reads."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Signal
from PySide6.QtWidgets import QWidget

from opsdesk.events.model import PaymentEvent
from opsdesk.ui import event_cells
from opsdesk.ui.event_cell_delegate import EventCellDelegate
from opsdesk.ui.event_table_model import EventTableModel
from opsdesk.ui.pinned_table_view import Index, PinnedTableView

# Sample texts that size each column for its usual content.
_COLUMN_SAMPLES = {
    event_cells.COL_RECEIVED: "01-31 12:34:56.789",
    event_cells.COL_OCCURRED: "01-31 12:34:56.789",
    event_cells.COL_TYPE: "payment.authorized",
    event_cells.COL_STATUS: "✓ succeeded",
    event_cells.COL_AMOUNT: "-123456.78 EUR",
    event_cells.COL_MERCHANT: "northwind-travel",
    event_cells.COL_PAYMENT_ID: "pay_0123456789abcdefghij",
    event_cells.COL_ERROR: "insufficient_funds",
}


class LiveEventTableView(PinnedTableView):
    """Inserting at the top never moves the rows the user is looking at or has selected."""

    # following: the view shows the newest event; newer: events above the visible rows.
    follow_state_changed = Signal(bool, int)
    current_event_changed = Signal(object)  # PaymentEvent | None

    def __init__(self, model: EventTableModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self._model = model
        self.setItemDelegate(EventCellDelegate(model, self))
        self._shown_event: PaymentEvent | None = None
        padding = 24
        for column, sample in _COLUMN_SAMPLES.items():
            self.setColumnWidth(column, self.fontMetrics().horizontalAdvance(sample) + padding)
        model.rowsRemoved.connect(self._on_layout_moved)
        model.modelReset.connect(self._on_layout_moved)
        self.verticalScrollBar().valueChanged.connect(self._on_layout_moved)
        selection = self.selectionModel()
        selection.selectionChanged.connect(self._on_selection_changed)
        selection.currentRowChanged.connect(self._on_current_row_changed)

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

    def _on_rows_inserted(self, parent: Index, first: int, last: int) -> None:
        super()._on_rows_inserted(parent, first, last)
        self._emit_follow_state()

    def _on_layout_moved(self, *_: object) -> None:
        self._emit_follow_state()

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._emit_follow_state()
        self._emit_current_event()

    def _on_current_row_changed(self, current: Index, previous: Index) -> None:
        self._emit_current_event()

    def _emit_current_event(self) -> None:
        # Selection and current row often change together; report each event once.
        event = self.current_event()
        if event is not self._shown_event:
            self._shown_event = event
            self.current_event_changed.emit(event)

    def _emit_follow_state(self) -> None:
        self.follow_state_changed.emit(self.is_following(), self.newer_row_count())
