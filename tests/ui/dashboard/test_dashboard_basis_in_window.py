"""The basis toggle in the whole window, as build_desk wires it, on a history with a recovery.

The profile's broker is a closed port: the dashboard's figures come from the history file.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from opsdesk.store.statistics.values import CountBasis
from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.dashboard.headline_tiles import HeadlineTiles
from tests.monitor_profile import broker_url_at, closed_port
from tests.ui.dashboard.recovered_history import (
    BY_ATTEMPT,
    BY_PAYMENT,
    RECOVERED,
    write_recovered_history,
)
from tests.ui.running_desk import running_desk, tapless_profile

WAIT_MS = 20_000


def test_the_window_switches_the_figures_between_payments_and_attempts(qtbot, tmp_path):
    history = tmp_path / "history.sqlite"
    write_recovered_history(history, datetime.now(UTC))
    profile = tapless_profile("basis", broker_url_at(closed_port()))
    with running_desk(qtbot, profile, history, tmp_path) as desk:
        dashboard = desk.window.findChild(DashboardPanel)
        desk.window.tabs.setCurrentWidget(dashboard)
        tiles = dashboard.tiles

        def figures() -> tuple[str, str, str]:
            return (
                tiles.value_text(HeadlineTiles.SUCCESS_RATE),
                tiles.value_text(HeadlineTiles.FAILURES),
                tiles.value_text(HeadlineTiles.RECOVERED),
            )

        qtbot.waitUntil(lambda: figures() == (*BY_PAYMENT[:2], RECOVERED), timeout=WAIT_MS)
        assert dashboard.success_chart.title() == "Success rate by payment"

        button = dashboard.toolbar.basis_buttons[CountBasis.ATTEMPT]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: figures() == (*BY_ATTEMPT[:2], RECOVERED), timeout=WAIT_MS)
        assert dashboard.success_chart.title() == "Success rate by attempt"
