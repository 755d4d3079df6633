"""The history table view: choosable, movable columns; rows added on top never move the view."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QMenu, QWidget

from opsdesk.ui import event_cells
from opsdesk.ui.event_cell_delegate import EventCellDelegate
from opsdesk.ui.history.history_table_model import HistoryTableModel
from opsdesk.ui.pinned_table_view import Index, PinnedTableView

_PADDING = 24


class HistoryTableView(PinnedTableView):
    """Enter or double-click on a row asks for its payment's timeline."""

    payment_activated = Signal(str)  # the payment id of the row the operator opened
    current_row_changed = Signal(object)  # history row id (int) or None
    export_selection_requested = Signal()
    replay_selection_requested = Signal()  # the exact stored messages
    replay_payments_requested = Signal()  # the selected rows' payments, retried
    columns_changed = Signal()  # shown, order or widths changed: worth saving

    def __init__(self, model: HistoryTableModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.setObjectName("historyTable")
        self._model = model
        self.setItemDelegate(EventCellDelegate(model, self))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu_requested)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSortIndicatorShown(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_menu_requested)
        self.reset_columns()
        header.setSortIndicator(model.sort_column(), _order(model.descending))
        self.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._on_sort_indicator_changed)
        header.sectionMoved.connect(self._on_columns_changed)
        header.sectionResized.connect(self._on_columns_changed)
        self.doubleClicked.connect(self._on_double_clicked)
        self.selectionModel().currentRowChanged.connect(self._on_current_row_changed)

    # -- columns ----------------------------------------------------------------------------

    def shown_columns(self) -> list[int]:
        """Logical column numbers shown, in the order the operator arranged them."""
        header = self.horizontalHeader()
        order = [header.logicalIndex(v) for v in range(header.count())]
        return [c for c in order if not header.isSectionHidden(c)]

    def set_column_shown(self, column: int, shown: bool) -> None:
        """Show or hide a column; the last shown column cannot be hidden."""
        if not shown and self.shown_columns() == [column]:
            return
        self.setColumnHidden(column, not shown)
        self.columns_changed.emit()

    def reset_columns(self) -> None:
        """The default set, order and widths of the columns."""
        header = self.horizontalHeader()
        for visual in range(header.count()):
            logical = header.logicalIndex(visual)
            if logical != visual:
                header.moveSection(header.visualIndex(visual), visual)
        metrics = self.fontMetrics()
        for column, spec in enumerate(event_cells.COLUMNS):
            self.setColumnHidden(column, not spec.shown_by_default)
            self.setColumnWidth(column, metrics.horizontalAdvance(spec.sample) + _PADDING)
        self.columns_changed.emit()

    # -- rows -------------------------------------------------------------------------------

    def current_row_id(self) -> int | None:
        index = self.selectionModel().currentIndex()
        return self._model.row_id(index.row()) if index.isValid() else None

    def selected_row_ids(self) -> list[int]:
        """The selected rows' ids in display order, without reading the rows themselves."""
        rows: list[int] = []
        selection = self.selectionModel().selection()
        for i in range(selection.count()):
            selected = selection.at(i)
            rows.extend(range(selected.top(), selected.bottom() + 1))
        return self._model.row_ids(sorted(set(rows)))

    def payment_id_at(self, row: int) -> str | None:
        history_row = self._model.row_at(row)
        if history_row is None:
            return None
        return history_row.cells[event_cells.COL_PAYMENT_ID] or None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.currentIndex()
            if index.isValid():
                self._activate(index.row())
                return
        super().keyPressEvent(event)

    # -- slots ------------------------------------------------------------------------------

    def _activate(self, row: int) -> None:
        payment_id = self.payment_id_at(row)
        if payment_id:
            self.payment_activated.emit(payment_id)

    def _on_double_clicked(self, index: Index) -> None:
        self._activate(index.row())

    def _on_current_row_changed(self, current: Index, previous: Index) -> None:
        self.current_row_changed.emit(
            self._model.row_id(current.row()) if current.isValid() else None
        )

    def _on_sort_indicator_changed(self, section: int, order: Qt.SortOrder) -> None:
        if event_cells.COLUMNS[section].sort_key is None:
            # Qt moved the arrow to a column the store cannot order by: put it back.
            self.horizontalHeader().setSortIndicator(
                self._model.sort_column(), _order(self._model.descending)
            )
            return
        self.columns_changed.emit()

    def _on_columns_changed(self, *_: object) -> None:
        self.columns_changed.emit()

    def _on_header_menu_requested(self, position: QPoint) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        shown = self.shown_columns()
        for column, spec in enumerate(event_cells.COLUMNS):
            action = menu.addAction(spec.title)
            action.setCheckable(True)
            action.setChecked(column in shown)
            action.setEnabled(shown != [column])  # keep at least one column
            action.toggled.connect(lambda on, c=column: self.set_column_shown(c, on))
        menu.addSeparator()
        menu.addAction("Reset Columns", self.reset_columns)
        menu.popup(self.horizontalHeader().mapToGlobal(position))

    def _on_context_menu_requested(self, position: QPoint) -> None:
        index = self.indexAt(position)
        if not index.isValid():
            return
        payment_id = self.payment_id_at(index.row())
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        timeline = menu.addAction("Show Payment &Timeline")
        timeline.setEnabled(payment_id is not None)
        timeline.triggered.connect(lambda: self._activate(index.row()))
        copy = menu.addAction("&Copy Payment Id")
        copy.setEnabled(payment_id is not None)
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(payment_id or ""))
        menu.addSeparator()
        menu.addAction("&Export Selection…", self.export_selection_requested.emit)
        menu.addAction("Replay &Payment…", self.replay_payments_requested.emit)
        menu.addAction("&Replay Exact Message…", self.replay_selection_requested.emit)
        menu.popup(self.viewport().mapToGlobal(position))


def _order(descending: bool) -> Qt.SortOrder:
    return Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
