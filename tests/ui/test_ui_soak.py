"""Hundreds of chart updates and table flushes through the event loop.

PySide6 6.12 on Python 3.11 mis-counts references to None and aborts the interpreter
(`none_dealloc`) after about 90 pyqtgraph updates; this soak catches such a release.
"""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QTimer

from opsdesk.ingest.tap_state import TapCounters, TapPhase, TapState
from opsdesk.ui.connection_status import ConnectionStatusWidget
from opsdesk.ui.event_details import EventDetailsPane
from opsdesk.ui.event_table_model import EventTableModel
from opsdesk.ui.live_event_view import LiveEventTableView
from opsdesk.ui.tap_bridge import TapBridge
from tests.ui.sample_events import payment_event

TICKS = 320


@pytest.mark.slow
def test_chart_updates_and_table_flushes_survive_a_long_run(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    curve = plot.plot([], [])
    model = EventTableModel(row_cap=250, flush_interval_ms=1)
    view = LiveEventTableView(model)
    qtbot.addWidget(view)
    details = EventDetailsPane()
    qtbot.addWidget(details)
    status = ConnectionStatusWidget("amqp://broker")
    qtbot.addWidget(status)
    bridge = TapBridge()
    bridge.state_changed.connect(status.show_state)
    bridge.counters_changed.connect(status.show_counters)
    bridge.events_stored.connect(model.append_live)
    view.current_event_changed.connect(details.show_event)
    for widget in (plot, view, details, status):
        widget.resize(320, 200)  # small: the point is the count of updates, not pixels
        widget.show()
        qtbot.waitExposed(widget)

    flushes = []
    ticks = [0]
    # The next tick waits for the previous flush, so each tick is one flush through the loop.
    next_tick = QTimer()
    next_tick.setSingleShot(True)
    next_tick.setInterval(1)

    def on_rows_inserted(parent, first, last):
        flushes.append(last - first + 1)
        if ticks[0] < TICKS:
            next_tick.start()

    model.rowsInserted.connect(on_rows_inserted)
    last_data = {}

    def tick():
        n = ticks[0] = ticks[0] + 1
        xs = np.arange(n % 50 + 2, dtype=float)
        ys = np.sin(xs / 5.0) * n
        curve.setData(xs, ys)
        last_data["x"], last_data["y"] = xs, ys
        # None goes through signals and slots on every tick, as in the real app.
        bridge.on_state(TapState(TapPhase.CONNECTED, "", retry_in=None))
        bridge.on_counters(TapCounters(received=n, stored=n))
        bridge.on_stored([payment_event(n)])
        if n % 3 == 0:
            view.selectRow(n % 20)
        else:
            view.clear_selection()

    next_tick.timeout.connect(tick)
    next_tick.start()
    qtbot.waitUntil(lambda: ticks[0] >= TICKS and model.pending_count == 0, timeout=60_000)

    x, y = curve.getData()
    assert np.array_equal(x, last_data["x"]) and np.array_equal(y, last_data["y"])
    assert flushes == [1] * TICKS
    assert model.rowCount() == 250
    assert model.event_at(0).event_id == f"evt-{TICKS:06d}"
    assert f"received {TICKS}" in status.counters_text()
