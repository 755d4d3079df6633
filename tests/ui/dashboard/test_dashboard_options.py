"""Every window and every breakdown of the dashboard, chosen as a person does: in the combos.

Issue 9, finding 3: "By merchant" (any breakdown but Overall) raised `AttributeError: 'str'
object has no attribute 'value'` on every refresh, and Overall failed too afterwards. A combo
hands back its item data as a plain `str`, which the panel then treated as a Breakdown.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox

from opsdesk.events.model import Status
from opsdesk.store.statistics.values import Breakdown
from opsdesk.ui.dashboard import dashboard_panel, dashboard_reads, dashboard_view
from opsdesk.ui.dashboard.custom_window_dialog import CustomWindowDialog
from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.dashboard.monitor_bridge import MonitorBridge
from tests.ui.dashboard.known_history import NOW, write_history
from tests.ui.dashboard.shown_dashboard import dashboard_settings, show_dashboard

WAIT_MS = 10_000
WINDOWS = ("15m", "1h", "24h", "7d", "custom")
# The known history: two merchants, one currency, two error codes, in every window.
EXPECTED_SERIES = {
    Breakdown.OVERALL: {"overall"},
    Breakdown.MERCHANT: {"overall", "merchant-a", "merchant-b"},
    Breakdown.CURRENCY: {"overall", "EUR"},
    Breakdown.ERROR_CODE: {"card_declined", "gateway_timeout"},
}
TITLES = {  # by payment, the default basis
    Breakdown.OVERALL: "Success rate by payment",
    Breakdown.MERCHANT: "Success rate by payment, per merchant (most failures first)",
    Breakdown.CURRENCY: "Success rate by payment, per currency (most failures first)",
    Breakdown.ERROR_CODE: "Failures by error code, by payment",
}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def panel(qtbot, tmp_path):
    path = tmp_path / "history.db"
    write_history(path)
    # The ticker runs, as in the app: a crash loop would show.
    panel = show_dashboard(qtbot, tmp_path, path, MonitorBridge(), Clock(), refresh_interval_ms=100)
    yield panel
    panel.shutdown()


def press(qtbot, combo: QComboBox, key: Qt.Key) -> None:
    """A key on the focused combo: it moves the choice and emits `activated`, like a person."""
    combo.setFocus()
    qtbot.keyClick(combo, key)


def accept_custom_window(qtbot, panel: DashboardPanel) -> None:
    qtbot.waitUntil(
        lambda: (d := panel.findChild(CustomWindowDialog)) is not None and d.isVisible(),
        timeout=WAIT_MS,
    )
    dialog = panel.findChild(CustomWindowDialog)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def wait_drawn(qtbot, panel: DashboardPanel, window: str, breakdown: Breakdown):
    def drawn() -> bool:
        snapshot = panel.snapshot
        if snapshot is None or snapshot.query.breakdown != breakdown:
            return False
        choice = snapshot.query.choice
        if window == "custom":
            return choice.is_custom
        return not choice.is_custom and panel.toolbar.window_combo.currentData() == window

    qtbot.waitUntil(drawn, timeout=WAIT_MS)
    if panel.following:  # a custom window holds still: no ticks
        # The next tick's refresh of the same choice is drawn too: nothing failed in between.
        count = len(panel.shown)
        qtbot.waitUntil(lambda: len(panel.shown) > count, timeout=WAIT_MS)
    return panel.snapshot


@pytest.fixture
def shown(panel):
    panel.shown = []
    panel.snapshot_shown.connect(panel.shown.append)
    return panel.shown


def assert_paused(qtbot, panel: DashboardPanel, monkeypatch) -> None:
    """Neither the clock's ticks nor stored events ask for the failing snapshot again."""
    assert not panel._ticker.isActive()
    real = dashboard_panel.compute_snapshot
    reads = []

    def counted(sources, query):
        reads.append(query)
        return real(sources, query)

    monkeypatch.setattr(dashboard_panel, "compute_snapshot", counted)
    for _ in range(5):
        panel._ticker.timeout.emit()
        panel.notify_events_stored()
    qtbot.waitUntil(lambda: not panel._stats_throttle.pending and not panel._reader.busy)
    assert reads == []
    monkeypatch.setattr(dashboard_panel, "compute_snapshot", real)


def test_every_window_with_every_breakdown_draws_through_the_combos(qtbot, panel, shown):
    windows, breakdowns = panel.toolbar.window_combo, panel.toolbar.breakdown_combo
    press(qtbot, windows, Qt.Key.Key_Home)  # "Last 15 min"
    for window in WINDOWS:
        if window != "15m":
            press(qtbot, windows, Qt.Key.Key_Down)
        if window == "custom":
            accept_custom_window(qtbot, panel)
        # Overall, then each breakdown in the combo's order, then back to Overall.
        order = [Breakdown.OVERALL, Breakdown.MERCHANT, Breakdown.CURRENCY, Breakdown.ERROR_CODE]
        for step, breakdown in enumerate([*order, Breakdown.OVERALL]):
            if step == len(order):
                press(qtbot, breakdowns, Qt.Key.Key_Home)
            elif step:
                press(qtbot, breakdowns, Qt.Key.Key_Down)
            snapshot = wait_drawn(qtbot, panel, window, breakdown)
            assert panel.breakdown is breakdown  # a Breakdown, not the combo's plain str
            assert set(panel.success_chart.series_names()) == EXPECTED_SERIES[breakdown], (
                window,
                breakdown,
            )
            assert panel.success_chart.title() == TITLES[breakdown]
            assert snapshot.status.status_total(Status.SUCCEEDED) > 0
            assert "cannot" not in panel.toolbar.status_label.text()


def test_the_breakdown_chosen_in_the_combo_is_kept_in_the_settings(qtbot, panel, tmp_path):
    press(qtbot, panel.toolbar.breakdown_combo, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: panel.breakdown is Breakdown.ERROR_CODE, timeout=WAIT_MS)
    saved = dashboard_settings(tmp_path)
    assert saved.dashboard_breakdown is Breakdown.ERROR_CODE


def test_a_bug_while_drawing_is_reported_once_and_the_panel_recovers(
    qtbot, panel, shown, monkeypatch
):
    """No crash loop: one report, no refresh until the user changes a choice, then it draws."""
    qtbot.waitUntil(lambda: len(shown) >= 1, timeout=WAIT_MS)
    real = dashboard_view.draw_success
    calls = []

    def broken(chart, snapshot):
        calls.append(snapshot)
        raise AttributeError("'str' object has no attribute 'value'")

    monkeypatch.setattr(dashboard_view, "draw_success", broken)
    with qtbot.captureExceptions() as exceptions:
        panel.refresh_now()
        qtbot.waitUntil(lambda: len(exceptions) >= 1, timeout=WAIT_MS)
        assert_paused(qtbot, panel, monkeypatch)
    assert len(exceptions) == 1
    assert len(calls) == 1
    assert isinstance(exceptions[0][1], AttributeError)
    assert "choose another window or breakdown" in panel.toolbar.status_label.text()

    monkeypatch.setattr(dashboard_view, "draw_success", real)
    count = len(shown)
    press(qtbot, panel.toolbar.breakdown_combo, Qt.Key.Key_Down)  # the user changes a choice
    qtbot.waitUntil(lambda: len(shown) > count, timeout=WAIT_MS)
    assert panel.snapshot.query.breakdown is Breakdown.MERCHANT
    assert set(panel.success_chart.series_names()) == EXPECTED_SERIES[Breakdown.MERCHANT]
    count = len(shown)
    qtbot.waitUntil(lambda: len(shown) > count, timeout=WAIT_MS)  # the ticker runs again


def test_a_bug_in_the_background_read_is_reported_once_not_as_a_file_problem(
    qtbot, panel, shown, monkeypatch
):
    qtbot.waitUntil(lambda: len(shown) >= 1, timeout=WAIT_MS)

    def broken(sources, window, dimension, now):
        raise AttributeError("a bug in a read")

    monkeypatch.setattr(dashboard_reads.DashboardSources, "top_values", broken)
    with qtbot.captureExceptions() as exceptions:
        press(qtbot, panel.toolbar.breakdown_combo, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: len(exceptions) >= 1, timeout=WAIT_MS)
        assert_paused(qtbot, panel, monkeypatch)
    assert len(exceptions) == 1
    assert "a bug in a read" in str(exceptions[0][1])
    assert "cannot read the history file" not in panel.toolbar.status_label.text()
