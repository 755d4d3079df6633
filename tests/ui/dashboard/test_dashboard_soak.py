"""Hundreds of dashboard chart updates through the event loop, with None in the signals.

PySide6 6.12 on Python 3.11 mis-counts references to None and aborts the interpreter
(`none_dealloc`) after about 90 pyqtgraph updates; this soak catches such a release here too.
"""

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from opsdesk.broker.queue_sample import MonitorPhase, MonitorState
from opsdesk.events.timestamps import utc_iso
from opsdesk.ui.dashboard.monitor_bridge import MonitorBridge
from tests.ui.dashboard.known_history import NOW, REQUESTS, queue_samples, write_history
from tests.ui.dashboard.shown_dashboard import show_dashboard

TICKS = 320
REFRESH_EVERY = 8


@pytest.mark.slow
def test_dashboard_survives_hundreds_of_chart_updates(qtbot, tmp_path):
    path = tmp_path / "history.db"
    write_history(path)
    clock = [NOW]
    bridge = MonitorBridge()
    panel = show_dashboard(
        qtbot,
        tmp_path,
        path,
        bridge,
        lambda: clock[0],
        stats_throttle_ms=1,
        redraw_throttle_ms=1,
        size=(900, 600),  # small: the point is the count of updates, not pixels
    )
    ready = f"{REQUESTS} ready"
    template = queue_samples()[-2]
    snapshots = []
    panel.snapshot_shown.connect(snapshots.append)
    try:
        qtbot.waitUntil(lambda: ready in panel.queue_chart.series_names(), timeout=10_000)
        start = len(panel.queue_chart.series_data(ready)[0])
        for n in range(1, TICKS + 1):
            clock[0] = NOW + timedelta(seconds=5 * n)
            sample = replace(template, taken_at=utc_iso(clock[0]), messages_ready=n % 97)
            bridge.on_samples([sample])
            # None goes through signals and slots on every tick, as in the real app.
            bridge.on_state(MonitorState(MonitorPhase.SAMPLING, "management", "", (), None))
            panel.queue_chart.show_readout(clock[0].timestamp())
            qtbot.waitUntil(
                lambda n=n: len(panel.queue_chart.series_data(ready)[0]) == start + n,
                timeout=5000,
            )
            if n % REFRESH_EVERY == 0:
                count = len(snapshots)
                panel.refresh_now()
                qtbot.waitUntil(lambda count=count: len(snapshots) > count, timeout=5000)
        xs, ys = panel.queue_chart.series_data(ready)
        assert ys[-1] == TICKS % 97 and xs[-1] == clock[0].timestamp()
        assert np.all(np.diff(xs) > 0)
        assert len(snapshots) >= TICKS // REFRESH_EVERY
        assert snapshots[-1].query.now == clock[0]
    finally:
        panel.shutdown()
