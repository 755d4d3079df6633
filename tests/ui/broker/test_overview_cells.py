"""What the overview's cells say where the broker gives no figure or rates come from elsewhere:
"—" rather than 0, and the source of each rate in its tooltip and under the table."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from opsdesk.broker.queue_overview_values import QueueOverview, QueueRates
from opsdesk.ui.broker.depth_history import DepthHistory
from opsdesk.ui.broker.queue_overview_model import COL_ACK, COL_DLX, COL_PUBLISH, COL_READY
from opsdesk.ui.broker.queue_overview_view import QueueOverviewView
from tests.ui.broker.synthetic_queues import synthetic_overview

TOOLTIP = Qt.ItemDataRole.ToolTipRole


def test_rates_from_prometheus_pending_and_unknown_figures(qtbot):
    base = synthetic_overview(3)
    prometheus = QueueRates(12.5, 3.0, 2.0, "prometheus", interval=10.0)
    pending = QueueRates(None, None, None, "pending")
    rows = (
        replace(
            base.rows[0], rates=prometheus, dead_letter_exchange="", dead_letter_routing_key="x"
        ),
        replace(base.rows[1], rates=pending, ready=None, figures_source="none"),
        base.rows[2],
    )
    overview = QueueOverview(base.vhost, base.read_at, rows)
    view = QueueOverviewView(DepthHistory(), late_after=60)
    qtbot.addWidget(view)
    view.show_overview(overview)
    model = view.model

    def cell(row, column, role=Qt.ItemDataRole.DisplayRole):
        return model.data(model.index(row, column), role)

    assert cell(0, COL_PUBLISH) == "12.5"
    assert cell(0, COL_PUBLISH, TOOLTIP) == (
        "Published: messages per second.\n"
        "Rates from the rabbitmq_prometheus endpoint (the management API gives none).\n"
        "Averaged over the last 10 s of counter readings."
    )
    assert cell(0, COL_DLX) == "(default exchange)"
    assert cell(0, COL_DLX, TOOLTIP) == (
        "Rejected and expired messages go to '(default exchange)' with routing key 'x'."
    )
    assert cell(1, COL_ACK) == "—"
    assert "need a second reading" in cell(1, COL_ACK, TOOLTIP)
    assert cell(1, COL_READY) == "—"
    assert cell(1, COL_READY, TOOLTIP) == "The broker has not reported this queue's counts yet."
    assert view.rates_note.text() == (
        "Rates from the rabbitmq_prometheus endpoint (the management API has none); "
        "some rates need a second reading (hover a rate for its source)."
    )
