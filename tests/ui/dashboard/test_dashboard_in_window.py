"""The dashboard inside the whole window, as build_desk wires it, against the real broker.

Issue 9: a profile whose broker port is wrong (nothing listens there) still reaches the
management API on 15672; the dashboard must not show those figures as current (finding 6).
Saving a chart says where the file went, in the window's banner (finding 9).
"""

from __future__ import annotations

import pytest

from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.dashboard.headline_tiles import HeadlineTiles, Tone
from tests.monitor_profile import broker_url_at, closed_port
from tests.ui.running_desk import running_desk, tapless_profile

pytestmark = pytest.mark.broker

WAIT_MS = 20_000


def test_a_wrong_port_and_a_saved_chart_as_the_window_shows_them(qtbot, tmp_path):
    port = closed_port()
    profile = tapless_profile("wrong-port", broker_url_at(port))
    with running_desk(qtbot, profile, tmp_path / "history.sqlite", tmp_path) as desk:
        window = desk.window
        dashboard = window.findChild(DashboardPanel)
        window.tabs.setCurrentWidget(dashboard)
        waiting = dashboard.tiles.tiles[HeadlineTiles.WAITING]
        sentence = f"Nothing answers at 127.0.0.1:{port}: the connection was refused"
        qtbot.waitUntil(
            lambda: waiting.tone is Tone.STALE and sentence in waiting.toolTip(),
            timeout=WAIT_MS,
        )
        assert sentence in dashboard.monitor_note.text()

        path = tmp_path / "throughput.png"
        assert dashboard.save_chart_png("throughput", path)
        assert window.banner.isVisible()
        assert window.banner.text() == f"Saved the throughput chart as {path}"
