"""The queue overview paints its cells as its model's roles say, with one call per cell."""

from __future__ import annotations

from dataclasses import replace

from opsdesk.ui.broker.depth_history import DepthHistory
from opsdesk.ui.broker.queue_cell_delegate import QueueCellDelegate
from opsdesk.ui.broker.queue_overview_view import QueueOverviewView
from tests.ui.broker.synthetic_queues import synthetic_overview
from tests.ui.test_event_cell_delegate import assert_same_looks


def test_the_overview_paints_its_cells_as_the_models_roles_say(qtbot) -> None:
    overview = synthetic_overview(40)
    # A queue nobody consumes while messages wait, and one not running: both in colour.
    rows = list(overview.rows)
    rows[0] = replace(rows[0], consumers=0, ready=7)
    rows[1] = replace(rows[1], state="flow")
    overview = replace(overview, rows=tuple(rows))
    depths = DepthHistory()
    depths.add_overview(overview)
    view = QueueOverviewView(depths, late_after=600)
    qtbot.addWidget(view)
    view.show_overview(overview)
    model = view.model
    assert model.rowCount() == 40
    assert assert_same_looks(view.table, model, QueueCellDelegate) == 40 * model.columnCount()
