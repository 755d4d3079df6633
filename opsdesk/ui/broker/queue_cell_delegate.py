"""Paints the queue overview's cells with one call into Python per cell (one_call_delegate.py).

Qt's own delegate made ~3,100 calls into Python per repaint of the overview; a refresh of
5,000 queues (a new point per queue, a re-sort, a repaint) then took close to the 50 ms the
overview may hold the UI thread (tests/ui/broker/test_overview_speed.py).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import QStyleOptionViewItem

from opsdesk.ui.broker.queue_overview_model import QueueOverviewModel
from opsdesk.ui.one_call_delegate import OneCallDelegate, alignment_flag, set_text


class QueueCellDelegate(OneCallDelegate):
    """Fills a cell's style option as the model's roles would; tooltips still use data()."""

    def __init__(self, model: QueueOverviewModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def fill(self, option: QStyleOptionViewItem, index: QModelIndex) -> bool:
        look = self._model.cell_look(index.row(), index.column())
        if look is None:
            return False
        option.index = index
        if look.alignment is not None:
            option.displayAlignment = alignment_flag(look.alignment)
        if look.colour is not None:
            option.palette.setBrush(QPalette.ColorRole.Text, QBrush(look.colour))
        if look.text is not None:
            set_text(option, look.text)
        return True
