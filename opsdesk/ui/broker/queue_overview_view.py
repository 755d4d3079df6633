"""The queue overview: a filter, every queue in a sortable table, and what a row opens.

The table keeps the chosen queue chosen across refreshes (by name), so a refresh every few
seconds never moves the operator's selection or the consumers shown below it.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsdesk.broker.queue_overview_values import QueueOverview
from opsdesk.operations.browse import WHAT_BROWSING_DOES
from opsdesk.ui.broker.depth_history import DepthHistory
from opsdesk.ui.broker.figures_age import FiguresAge
from opsdesk.ui.broker.queue_cell_delegate import QueueCellDelegate
from opsdesk.ui.broker.queue_overview_model import (
    COL_DEPTH,
    COL_DLX,
    COL_NAME,
    HEADERS,
    QueueOverviewModel,
)
from opsdesk.ui.broker.sparkline_delegate import SparklineDelegate
from opsdesk.ui.operations.table_style import style_table

COLUMN_WIDTHS = {COL_NAME: 300, COL_DEPTH: 90, COL_DLX: 170}
NUMBER_WIDTH = 78
ERROR_STYLE = "color: #a4262c;"


class QueueOverviewView(QWidget):
    queue_chosen = Signal(str)  # "" when no queue is chosen any more
    browse_requested = Signal(str)
    move_requested = Signal(str)
    dead_letter_requested = Signal(str)
    chart_requested = Signal(str)

    def __init__(
        self, depths: DepthHistory, *, late_after: float, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = QueueOverviewModel(depths, self)
        self._chosen = ""
        self._restoring = ""  # the queue chosen when the model began a reset
        self._actions_reason = ""  # why browse/move/dead-letter cannot be used here
        self._writes_locked = ""  # why move/dead-letter cannot (a read-only profile)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("queueFilter")
        self.filter_edit.setPlaceholderText("queue name contains…  (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Queue name filter")
        self.regex_box = QCheckBox("Regular e&xpression")
        self.regex_box.setToolTip("Match names with a Python regular expression (case matters)")
        self.filter_note = QLabel()
        self.filter_note.setObjectName("filterNote")
        self.filter_note.setStyleSheet(ERROR_STYLE)
        self.filter_note.setWordWrap(True)
        self.filter_note.hide()
        self.count_label = QLabel()
        self.table = QTableView()
        self.table.setObjectName("queueOverviewTable")
        self.table.setModel(self.model)
        style_table(self.table)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
        self.table.setItemDelegate(QueueCellDelegate(self.model, self.table))
        self.table.setItemDelegateForColumn(COL_DEPTH, SparklineDelegate(self.table))
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for column in range(len(HEADERS) - 1):
            self.table.setColumnWidth(column, COLUMN_WIDTHS.get(column, NUMBER_WIDTH))
        self.age = FiguresAge(late_after=late_after)
        self.age.stale_changed.connect(self.model.set_stale)
        self.rates_note = QLabel()
        self.rates_note.setObjectName("ratesNote")
        self.rates_note.setWordWrap(True)
        self.rates_note.setStyleSheet("color: #505050;")

        self.chosen_label = QLabel()
        self.browse_button = QPushButton("&Browse")
        self.browse_button.setToolTip(f"Open in the Queues tab and browse. {WHAT_BROWSING_DOES}")
        self.move_button = QPushButton("&Move…")
        self.dead_letter_button = QPushButton("Dead-le&tter…")
        self.chart_button = QPushButton("Depth &Chart")
        self.chart_button.setToolTip("The queue's depth over time, from this desk's readings")
        self.browse_button.clicked.connect(lambda: self._request(self.browse_requested))
        self.move_button.clicked.connect(lambda: self._request(self.move_requested))
        self.dead_letter_button.clicked.connect(lambda: self._request(self.dead_letter_requested))
        self.chart_button.clicked.connect(lambda: self._request(self.chart_requested))
        self._tips = {b: b.toolTip() for b in (self.browse_button, self.move_button)}
        self._tips[self.dead_letter_button] = ""

        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.regex_box.toggled.connect(self._on_filter_changed)
        self.model.modelAboutToBeReset.connect(self._on_model_about_to_be_reset)
        self.model.modelReset.connect(self._on_model_reset)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        find = QAction("Find Queue", self)
        find.setShortcut(QKeySequence("Ctrl+F"))
        find.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.triggered.connect(self._on_find_triggered)
        self.addAction(find)

        filters = QHBoxLayout()
        filter_label = QLabel("&Filter:")
        filter_label.setBuddy(self.filter_edit)
        filters.addWidget(filter_label)
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.regex_box)
        filters.addWidget(self.count_label)
        actions = QHBoxLayout()
        actions.addWidget(self.chosen_label, 1)
        for button in (
            self.browse_button,
            self.move_button,
            self.dead_letter_button,
            self.chart_button,
        ):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.filter_note)
        layout.addWidget(self.age)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.rates_note)
        layout.addLayout(actions)
        self._show_counts()
        self._update_buttons()

    @property
    def chosen(self) -> str:
        """The queue whose row is current ("" when none)."""
        return self._chosen

    def show_overview(self, overview: QueueOverview) -> None:
        self.model.set_overview(overview)
        self.age.show_read(overview.read_at)
        self.rates_note.setText(_rates_summary(overview))

    def show_failure(self, reason: str) -> None:
        self.age.show_failure(reason)

    def clear(self) -> None:
        """Another vhost: nothing of the previous one stays."""
        self.model.clear()
        self.age.forget()
        self.rates_note.clear()

    def choose(self, name: str) -> bool:
        """Make `name`'s row current (it must be shown: not filtered out)."""
        row = self.model.row_of(name)
        if row is None:
            return False
        self.table.setCurrentIndex(self.model.index(row, COL_NAME))
        self.table.scrollTo(self.model.index(row, COL_NAME))
        return True

    def set_actions_available(self, reason: str) -> None:
        """Browse, move and dead-letter only where the desk may act ("" = allowed), e.g. not
        in another vhost than the profile's, nor writes in a read-only profile."""
        self._actions_reason = reason
        self._update_buttons()

    def set_writes_locked(self, reason: str) -> None:
        self._writes_locked = reason
        self._update_buttons()

    # -- internals --------------------------------------------------------------------------

    def _request(self, signal: SignalInstance) -> None:
        if self._chosen:
            signal.emit(self._chosen)

    def _update_buttons(self) -> None:
        chosen = bool(self._chosen)
        self.chosen_label.setText(self._chosen or "Choose a queue: its consumers show below.")
        self.chart_button.setEnabled(chosen)
        writes = (self.move_button, self.dead_letter_button)
        for button in (self.browse_button, *writes):
            why = self._actions_reason or (self._writes_locked if button in writes else "")
            button.setEnabled(chosen and not why)
            button.setToolTip(why or self._tips[button])

    def _show_counts(self) -> None:
        shown, total = self.model.rowCount(), self.model.total_count
        text = f"{total:,} queues" if shown == total else f"{shown:,} of {total:,} queues"
        self.count_label.setText(text)

    def _on_filter_changed(self, *_: object) -> None:
        problem = self.model.set_filter(self.filter_edit.text(), regex=self.regex_box.isChecked())
        self.filter_note.setText(problem)
        self.filter_note.setVisible(bool(problem))
        self.filter_edit.setStyleSheet(
            "QLineEdit { border: 1px solid #a4262c; }" if problem else ""
        )

    def _on_model_about_to_be_reset(self) -> None:
        self._restoring = self._chosen

    def _on_model_reset(self) -> None:
        self._show_counts()
        kept = self._restoring and self.choose(self._restoring)
        if not kept and self._chosen:
            self._set_chosen("")

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row())
        self._set_chosen(row.name if row is not None else "")

    def _set_chosen(self, name: str) -> None:
        if name != self._chosen:
            self._chosen = name
            self._update_buttons()
            self.queue_chosen.emit(name)

    def _on_double_clicked(self, _index: QModelIndex) -> None:
        if self.browse_button.isEnabled():
            self.browse_button.click()

    def _on_context_menu(self, position: QPoint) -> None:
        if not self._chosen:
            return
        menu = QMenu(self)
        for button in (
            self.browse_button,
            self.move_button,
            self.dead_letter_button,
            self.chart_button,
        ):
            action = menu.addAction(button.text().replace("&", ""), button.click)
            action.setEnabled(button.isEnabled())
        menu.popup(self.table.viewport().mapToGlobal(position))

    def _on_find_triggered(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()


def _rates_summary(overview: QueueOverview) -> str:
    sources = {row.rates.source for row in overview.rows}
    if not sources:
        return ""
    if sources == {"management"}:
        return "Rates from the management API (hover a rate for details)."
    parts = []
    if "prometheus" in sources:
        parts.append("rates from the rabbitmq_prometheus endpoint (the management API has none)")
    if "pending" in sources:
        parts.append("some rates need a second reading")
    if overview.rates_note:
        parts.append(overview.rates_note.rstrip("."))
    text = "; ".join(parts) or "No rates"
    return text[0].upper() + text[1:] + " (hover a rate for its source)."
