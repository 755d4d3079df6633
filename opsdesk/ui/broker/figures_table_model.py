"""A small table of broker figures that turns grey as a whole when they are not current."""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from opsdesk.ui.rows_table_model import RowsTableModel

Row = TypeVar("Row")
_Index = QModelIndex | QPersistentModelIndex
STALE_COLOUR = QColor("#9a9a9a")
ALARM_COLOUR = QColor("#a4262c")
ALARM_BACKGROUND = QColor("#fbe0df")
FLOW_BACKGROUND = QColor("#fff3cf")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class FiguresTableModel(RowsTableModel[Row]):
    """Subclasses give HEADERS, NUMERIC columns and `text`; colours and tooltips optional."""

    NUMERIC: frozenset[int] = frozenset()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stale = False

    @property
    def stale(self) -> bool:
        return self._stale

    def set_stale(self, stale: bool) -> None:
        if stale != self._stale:
            self._stale = stale
            rows, columns = self.rowCount(), self.columnCount()
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, columns - 1))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row, column) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            return STALE_COLOUR if self._stale else self.colour(row, column)
        if role == Qt.ItemDataRole.BackgroundRole and not self._stale:
            return self.background(row, column)
        return None

    def text(self, row: Row, column: int) -> str:
        raise NotImplementedError

    def tooltip(self, row: Row, column: int) -> str:
        return ""

    def colour(self, row: Row, column: int) -> QColor | None:
        return None

    def background(self, row: Row, column: int) -> QColor | None:
        return None
