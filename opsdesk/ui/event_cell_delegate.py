"""Paints an event table's cells with one call into Python per cell (one_call_delegate.py)."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QModelIndex, QObject
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QStyleOptionViewItem

from opsdesk.ui import event_cells
from opsdesk.ui.event_cells import ShownEvent
from opsdesk.ui.one_call_delegate import OneCallDelegate, alignment_flag, set_text


class CellSource(Protocol):
    """A model that can hand over a cell's event and text in one call."""

    def shown_cell(self, row: int, column: int) -> tuple[ShownEvent, str] | None:
        """The row's event and the cell's display text; None when the row is not there."""
        ...


class EventCellDelegate(OneCallDelegate):
    """Fills each cell's style option as the model's roles would; tooltips still use data()."""

    def __init__(self, source: CellSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source

    def fill(self, option: QStyleOptionViewItem, index: QModelIndex) -> bool:
        cell = self._source.shown_cell(index.row(), index.column())
        if cell is None:
            return False
        event, text = cell
        option.index = index
        apply_look(option, event, index.column())
        set_text(option, text)
        return True


def apply_look(option: QStyleOptionViewItem, event: ShownEvent, column: int) -> None:
    """Alignment, font and colours as event_cells.cell_style answers them per role."""
    alignment = event_cells.alignment(column)
    if alignment is not None:
        option.displayAlignment = alignment_flag(alignment)
    if event_cells.is_bold(event, column):
        font = QFont(option.font)
        font.setBold(True)
        option.font = font
        option.fontMetrics = QFontMetrics(font)
    pair = event_cells.colours(event, column)
    if pair is None:  # the view's option has no background brush to clear
        return
    option.palette.setBrush(QPalette.ColorRole.Text, QBrush(pair[0]))
    option.backgroundBrush = QBrush(pair[1])
