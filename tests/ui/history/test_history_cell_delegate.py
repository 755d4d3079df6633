"""The history table paints its cells as its model's roles say (the live table's delegate)."""

from __future__ import annotations

from pathlib import Path

from opsdesk.events.model import Status
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.history.history_table_model import HistoryTableModel
from tests.ui.history.conftest import wait_complete
from tests.ui.test_event_cell_delegate import assert_same_looks


def test_the_history_table_paints_its_cells_as_the_models_roles_say(
    qtbot, open_panel, small_history: Path
) -> None:
    panel: HistoryPanel = open_panel(small_history)
    wait_complete(qtbot, panel)
    model: HistoryTableModel = panel.model
    statuses = {model.row_at(row).status for row in range(model.rowCount())}
    assert {Status.SUCCEEDED, Status.FAILED} <= statuses  # both looks compared
    assert assert_same_looks(panel.table, model) == model.rowCount() * model.columnCount()
