"""A table of events, newest on top: rows inserted above never move the rows in view."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

Index = QModelIndex | QPersistentModelIndex


class PinnedTableView(QTableView):
    """Row-selecting, fixed-height, gridless; holds still on inserts unless following.

    Following means at the very top with nothing selected: the operator is watching for new
    rows, so they scroll in. Otherwise the top visible row keeps its place on screen.
    """

    def __init__(self, model: QAbstractItemModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._anchor: tuple[int, int] | None = None  # (top visible row, its y) before an insert
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        rows = self.verticalHeader()
        rows.hide()
        # Fixed heights: Qt never measures rows, so it never asks for rows it does not show.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        model.rowsAboutToBeInserted.connect(self._on_rows_about_to_be_inserted)
        model.rowsInserted.connect(self._on_rows_inserted)

    def is_following(self) -> bool:
        """True when new rows should appear in view: at the top, nothing selected."""
        return self.verticalScrollBar().value() == 0 and not self.selectionModel().hasSelection()

    def _on_rows_about_to_be_inserted(self, parent: Index, first: int, last: int) -> None:
        self._anchor = None
        if first != 0 or self.is_following():
            return
        top = self.rowAt(0)
        if top >= 0:
            self._anchor = (top, self.rowViewportPosition(top))

    def _on_rows_inserted(self, parent: Index, first: int, last: int) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is None:
            return
        top, y = anchor
        # Qt lays the view out lazily; the scroll range must include the new rows now, or
        # setValue below would be clamped to the old range.
        self.updateGeometries()
        moved_to = top + (last - first + 1)
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + self.rowViewportPosition(moved_to) - y)
