"""A delegate that fills a cell's style option in one call into Python, not one per role.

Qt's own delegate asks the model for seven roles of every cell it paints (display, font,
alignment, colours, check state, decoration), each a call from Qt into Python that must take
the GIL first. While the tap's threads ingest they hold it much of the time, and the UI
thread waited for it at many of those calls: a repaint of the live table's ~280 cells took 10
ms alone and 285-315 ms beside one busy Python thread, 60-85 ms with one call per cell.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

_FLAGS: dict[int, Qt.AlignmentFlag] = {}


class OneCallDelegate(QStyledItemDelegate):
    """Subclasses fill the option from the row their model already holds (`fill`)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        # Qt paints with a QModelIndex; anything else (and a row not there) as Qt would.
        if not isinstance(index, QModelIndex) or not self.fill(option, index):
            super().initStyleOption(option, index)

    def fill(self, option: QStyleOptionViewItem, index: QModelIndex) -> bool:
        """Fill `option` for the cell as the model's roles would; False: the row is gone."""
        raise NotImplementedError


def alignment_flag(value: int) -> Qt.AlignmentFlag:
    """The flag for a role's int, made once: building a Python enum costs ~1.3 µs a cell."""
    flag = _FLAGS.get(value)
    if flag is None:
        flag = _FLAGS[value] = Qt.AlignmentFlag(value)
    return flag


def set_text(option: QStyleOptionViewItem, text: str) -> None:
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
    # As QStyledItemDelegate.displayText: a line break would otherwise cut the text.
    option.text = text.replace("\n", "\u2028")
