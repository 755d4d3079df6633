"""A read-only table view over a figures model, styled as the desk's other tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QTableView

from opsdesk.ui.broker.figures_table_model import FiguresTableModel
from opsdesk.ui.operations.table_style import style_table


def figures_table(model: FiguresTableModel[Any], widths: Sequence[int], name: str) -> QTableView:
    """`widths`: of every column but the last, which stretches."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    style_table(table)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    return table
