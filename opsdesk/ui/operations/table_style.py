"""How the operation tables look: row selection, no grid, compact rows, a stretching last column."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTableWidget

WIDEST_COLUMN = 320


def style_table(view: QTableView, *, multi_select: bool = False) -> None:
    """Call after the model is set: the last column stretches (fit_columns leaves it alone)."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if multi_select
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    # Stretch, not stretchLastSection: resizing to contents would shrink that one again.
    header.setSectionResizeMode(header.count() - 1, QHeaderView.ResizeMode.Stretch)


def fit_columns(view: QTableView, widest: int = WIDEST_COLUMN) -> None:
    """Every column but the stretching last one sized to its contents, at most `widest`."""
    columns = view.horizontalHeader().count()
    for column in range(columns - 1):
        view.resizeColumnToContents(column)
        view.setColumnWidth(column, min(view.columnWidth(column) + 8, widest))


def read_only_table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    style_table(table)
    return table
