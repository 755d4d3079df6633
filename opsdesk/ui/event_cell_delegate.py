"""Paints an event table's cells with one call into Python per cell, not one per role.

The default delegate asks the model for seven roles of every cell it paints (display, font,
alignment, colours, check state, decoration), each a call from Qt into Python that must take
the GIL first. While the tap's threads ingest, they hold the GIL much of the time, and the UI
thread waited for it at many of those calls: a repaint of the live table's ~280 cells took 10
ms alone and 285-315 ms beside one busy Python thread, 60-85 ms with this delegate, which
fills the cell's style option from the row the model already holds.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from opsdesk.ui import event_cells
from opsdesk.ui.event_cells import ShownEvent


class CellSource(Protocol):
    """A model that can hand over a cell's event and text in one call."""

    def shown_cell(self, row: int, column: int) -> tuple[ShownEvent, str] | None:
        """The row's event and the cell's display text; None when the row is not there."""
        ...


class EventCellDelegate(QStyledItemDelegate):
    """Fills each cell's style option as the model's roles would; tooltips still use data()."""

    def __init__(self, source: CellSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        # Qt paints with a QModelIndex; anything else (and a row not there) as Qt would.
        if not isinstance(index, QModelIndex):
            super().initStyleOption(option, index)
            return
        cell = self._source.shown_cell(index.row(), index.column())
        if cell is None:
            super().initStyleOption(option, index)
            return
        event, text = cell
        option.index = index
        apply_look(option, event, index.column())
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
        # As QStyledItemDelegate.displayText: a line break would otherwise cut the text.
        option.text = text.replace("\n", "\u2028")


_FLAGS: dict[int, Qt.AlignmentFlag] = {}


def alignment_flag(value: int) -> Qt.AlignmentFlag:
    """The flag for a role's int, made once: building a Python enum costs ~1.3 µs a cell."""
    flag = _FLAGS.get(value)
    if flag is None:
        flag = _FLAGS[value] = Qt.AlignmentFlag(value)
    return flag


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
