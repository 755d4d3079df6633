"""The preview: what a plan will do, and message by message where each goes and what stops it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsdesk.operations.plan import Plan
from opsdesk.ui.details_pane import text_view
from opsdesk.ui.operations import plan_text
from opsdesk.ui.operations.table_style import fit_columns, read_only_table

MAX_ROWS_SHOWN = 2000  # a replay of a large filter lists this many; the summary counts them all

COL_MESSAGE = 0
COL_DESTINATION = 1
COL_STATE = 2
COL_WHY = 3
_HEADERS = ("Message", "Destination", "State", "Why")
_BLOCKED = QColor("#8f1d1d")


class PlanView(QWidget):
    """Summary on top, the planned messages below, the selected one in full at the bottom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._plan: Plan | None = None
        self.summary = QLabel("Nothing planned yet: choose what to do, then Preview.")
        self.summary.setObjectName("planSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setStyleSheet(
            "QLabel#planSummary { background: palette(base); border: 1px solid palette(mid);"
            " border-radius: 3px; padding: 6px; }"
        )
        self.items = read_only_table(_HEADERS)
        self.items.setObjectName("planItems")
        self.items.currentCellChanged.connect(self._on_current_cell_changed)
        self.message = text_view("Select a message to see what would be done with it.")
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.items)
        self.splitter.addWidget(self.message)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([200, 140])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)

    @property
    def plan(self) -> Plan | None:
        return self._plan

    def show_plan(self, plan: Plan) -> None:
        self._plan = plan
        self.summary.setText(plan_text.plan_summary(plan))
        self.items.setRowCount(0)
        shown = plan.items[:MAX_ROWS_SHOWN]
        self.items.setRowCount(len(shown))
        for row, item in enumerate(shown):
            cells = (
                item.event_id or item.key,
                plan_text.item_where(item),
                plan_text.item_state(item),
                plan_text.item_why(item),
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                if item.blocked:
                    cell.setForeground(_BLOCKED)
                self.items.setItem(row, column, cell)
        self.items.setVisible(bool(plan.items))
        self.message.setVisible(bool(plan.items))
        fit_columns(self.items)
        if shown:
            self.items.selectRow(0)
        else:
            self.message.clear()

    def show_stale(self, text: str) -> None:
        """The shown plan no longer matches the choices: say so, and show nothing to confirm."""
        self._plan = None
        self.summary.setText(text)
        self.items.setRowCount(0)
        self.message.clear()

    def text(self) -> str:
        return self.summary.text()

    def row_texts(self, column: int) -> list[str]:
        cells = (self.items.item(r, column) for r in range(self.items.rowCount()))
        return [c.text() if c is not None else "" for c in cells]

    def _on_current_cell_changed(self, row: int, *_: int) -> None:
        if self._plan is None or not 0 <= row < len(self._plan.items):
            self.message.clear()
            return
        self.message.setPlainText(plan_text.item_text(self._plan, self._plan.items[row]))
