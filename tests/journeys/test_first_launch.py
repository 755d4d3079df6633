"""First launch: the window opens, says it is connected, and events stream into Live."""

from __future__ import annotations

import pytest

from opsdesk.ingest.tap_state import TapPhase
from tests.journeys.conftest import RunningDesk

pytestmark = pytest.mark.broker


def test_first_launch_connects_and_shows_live_events(desk: RunningDesk) -> None:
    window, op = desk.window, desk.operator
    assert window.isVisible() and window.isActiveWindow()
    assert window.tabs.currentWidget() is window.live  # Live is what a new user sees first
    op.wait_until(
        lambda: window.connection_status.state.phase == TapPhase.CONNECTED,
        "the status bar to say connected",
    )
    assert window.connection_status.phase_text().startswith(
        "connected to amqp://guest@127.0.0.1:5672"
    )
    model = window.live.model
    op.wait_until(lambda: model.rowCount() >= 20, "20 events in Live")
    op.wait_until(lambda: "stored 0 " not in window.connection_status.counters_text(), "counters")
