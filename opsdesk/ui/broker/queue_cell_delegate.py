"""Paints the queue overview's cells with one call into Python per cell, not one per role.

As ui/event_cell_delegate.py does for the event tables: Qt's delegate asks seven roles of
every cell, each a call into Python that takes the GIL, ~3,100 calls a repaint of the
overview. A refresh of 5,000 queues (a new point per queue, a re-sort, a repaint) then took
close to the 50 ms the overview may hold the UI thread (tests/ui/broker/test_overview_speed).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from opsdesk.ui.broker.queue_overview_model import QueueOverviewModel
from opsdesk.ui.event_cell_delegate import alignment_flag


class QueueCellDelegate(QStyledItemDelegate):
    """Fills a cell's style option as the model's roles would; tooltips still use data()."""

    def __init__(self, model: QueueOverviewModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        # Qt paints with a QModelIndex; anything else (and a row not there) as Qt would.
        if not isinstance(index, QModelIndex):
            super().initStyleOption(option, index)
            return
        look = self._model.cell_look(index.row(), index.column())
        if look is None:
            super().initStyleOption(option, index)
            return
        option.index = index
        if look.alignment is not None:
            option.displayAlignment = alignment_flag(look.alignment)
        if look.colour is not None:
            option.palette.setBrush(QPalette.ColorRole.Text, QBrush(look.colour))
        if look.text is not None:
            option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
            option.text = look.text.replace("\n", "\u2028")
