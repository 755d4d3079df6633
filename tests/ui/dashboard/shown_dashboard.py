"""A DashboardPanel as the tests drive it: settings of its own, sized and shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings

from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.dashboard.monitor_bridge import MonitorBridge
from opsdesk.ui.settings import UiSettings


def dashboard_settings(folder: Path) -> UiSettings:
    """The settings a dashboard shown by show_dashboard(…, folder, …) reads and saves."""
    return UiSettings(QSettings(str(folder / "dashboard.ini"), QSettings.Format.IniFormat))


def show_dashboard(
    qtbot,
    folder: Path,
    history: Path,
    bridge: MonitorBridge | None,
    clock: Callable[[], datetime],
    *,
    refresh_interval_ms: int = 60_000,  # the tests drive refreshes themselves
    stats_throttle_ms: int = 20,
    redraw_throttle_ms: int = 20,
    size: tuple[int, int] = (1280, 820),
) -> DashboardPanel:
    """The panel shown on screen; the caller shuts it down."""
    panel = DashboardPanel(
        history,
        bridge,
        dashboard_settings(folder),
        clock=clock,
        refresh_interval_ms=refresh_interval_ms,
        stats_throttle_ms=stats_throttle_ms,
        redraw_throttle_ms=redraw_throttle_ms,
    )
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    return panel
