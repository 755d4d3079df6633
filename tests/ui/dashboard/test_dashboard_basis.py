"""The "by payment / by attempt" toggle: chart, failures by code and tiles follow it.

A real history file (tests/ui/dashboard/recovered_history.py) with a recovered payment, one
failed twice and a replayed copy of a failure; the panel reads it on its reader thread.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QSettings, Qt

from opsdesk.store.statistics.reader import Statistics
from opsdesk.store.statistics.values import Breakdown, CountBasis
from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.dashboard.headline_tiles import HeadlineTiles
from opsdesk.ui.dashboard.monitor_bridge import MonitorBridge
from tests.ui.dashboard.known_history import NOW
from tests.ui.dashboard.recovered_history import (
    BY_ATTEMPT,
    BY_PAYMENT,
    CODES_BY_ATTEMPT,
    CODES_BY_PAYMENT,
    RECOVERED,
    write_recovered_history,
)
from tests.ui.dashboard.shown_dashboard import dashboard_settings, show_dashboard

WAIT_MS = 10_000


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "history.db"
    write_recovered_history(path, NOW)
    return path


@pytest.fixture
def open_panel(qtbot, tmp_path, history):
    panels: list[DashboardPanel] = []

    def open_() -> DashboardPanel:
        panels.append(show_dashboard(qtbot, tmp_path, history, MonitorBridge(), lambda: NOW))
        return panels[-1]

    yield open_
    for panel in panels:
        panel.shutdown()


def drawn(qtbot, panel: DashboardPanel, basis: CountBasis, breakdown=Breakdown.OVERALL):
    qtbot.waitUntil(
        lambda: (
            panel.snapshot is not None
            and panel.snapshot.query.basis is basis
            and panel.snapshot.query.breakdown is breakdown
        ),
        timeout=WAIT_MS,
    )
    return panel.snapshot


def click(qtbot, panel: DashboardPanel, basis: CountBasis) -> None:
    qtbot.mouseClick(panel.toolbar.basis_buttons[basis], Qt.MouseButton.LeftButton)


def tile_figures(panel: DashboardPanel) -> tuple[str, str]:
    tiles = panel.tiles
    return tiles.value_text(HeadlineTiles.SUCCESS_RATE), tiles.value_text(HeadlineTiles.FAILURES)


def test_by_payment_by_default_then_by_attempt_with_the_recoveries_on_both(
    qtbot, open_panel, tmp_path
):
    panel = open_panel()
    assert panel.basis is CountBasis.PAYMENT
    assert panel.toolbar.basis_buttons[CountBasis.PAYMENT].isChecked()
    snapshot = drawn(qtbot, panel, CountBasis.PAYMENT)
    assert tile_figures(panel) == BY_PAYMENT[:2]
    assert snapshot.headline.outcomes == BY_PAYMENT[2]
    rate_tile = panel.tiles.tiles[HeadlineTiles.SUCCESS_RATE]
    assert rate_tile.caption_text() == f"⚠ of {BY_PAYMENT[2]} payments, 15 min"
    assert "final outcome" in rate_tile.toolTip()
    assert panel.success_chart.title() == "Success rate by payment"
    assert panel.success_chart.y_label() == "% of payments"
    recovered = panel.tiles.tiles[HeadlineTiles.RECOVERED]
    assert recovered.value_text() == RECOVERED
    assert recovered.caption_text() == "↻ payments, 1 h window"
    assert "success after an earlier failure" in recovered.toolTip()
    assert "(1 h)" in recovered.toolTip()

    click(qtbot, panel, CountBasis.ATTEMPT)
    snapshot = drawn(qtbot, panel, CountBasis.ATTEMPT)
    assert tile_figures(panel) == BY_ATTEMPT[:2]
    assert snapshot.headline.outcomes == BY_ATTEMPT[2]
    assert rate_tile.caption_text() == f"⚠ of {BY_ATTEMPT[2]} attempts, 15 min"
    assert panel.tiles.tiles[HeadlineTiles.FAILURES].caption_text() == "✗ failed attempts"
    assert panel.success_chart.title() == "Success rate by attempt"
    assert panel.success_chart.y_label() == "% of attempts"
    assert recovered.value_text() == RECOVERED  # a recovery is one, whatever the basis
    assert panel.toolbar.basis_buttons[CountBasis.ATTEMPT].isChecked()

    # Remembered: the next dashboard opens by attempt.
    assert dashboard_settings(tmp_path).dashboard_basis is CountBasis.ATTEMPT
    panel.shutdown()
    again = open_panel()
    assert again.basis is CountBasis.ATTEMPT
    assert again.toolbar.basis_buttons[CountBasis.ATTEMPT].isChecked()
    drawn(qtbot, again, CountBasis.ATTEMPT)
    assert tile_figures(again) == BY_ATTEMPT[:2]


def test_failures_by_error_code_follow_the_basis(qtbot, open_panel):
    panel = open_panel()
    panel.set_breakdown(Breakdown.ERROR_CODE)
    drawn(qtbot, panel, CountBasis.PAYMENT, Breakdown.ERROR_CODE)
    chart = panel.success_chart
    assert set(chart.series_names()) == CODES_BY_PAYMENT
    assert chart.title() == "Failures by error code, by payment"
    assert chart.y_label() == "failed payments / min"

    click(qtbot, panel, CountBasis.ATTEMPT)
    drawn(qtbot, panel, CountBasis.ATTEMPT, Breakdown.ERROR_CODE)
    assert set(chart.series_names()) == CODES_BY_ATTEMPT
    assert chart.title() == "Failures by error code, by attempt"
    assert chart.y_label() == "failed attempts / min"


def test_by_payment_is_read_on_the_reader_thread(qtbot, open_panel, monkeypatch):
    threads: list[threading.Thread] = []
    real = Statistics.recovered

    def recorded(self, window):
        threads.append(threading.current_thread())
        return real(self, window)

    monkeypatch.setattr(Statistics, "recovered", recorded)
    panel = open_panel()
    drawn(qtbot, panel, CountBasis.PAYMENT)
    click(qtbot, panel, CountBasis.ATTEMPT)
    drawn(qtbot, panel, CountBasis.ATTEMPT)
    assert len(threads) >= 2
    assert threading.main_thread() not in threads


def test_a_snapshot_asked_on_the_other_basis_is_not_drawn(qtbot, open_panel):
    panel = open_panel()
    by_payment = drawn(qtbot, panel, CountBasis.PAYMENT)
    shown = []
    panel.snapshot_shown.connect(shown.append)
    click(qtbot, panel, CountBasis.ATTEMPT)
    panel._show_snapshot(by_payment)  # as if the read asked before the click came back now
    drawn(qtbot, panel, CountBasis.ATTEMPT)
    assert shown and all(s.query.basis is CountBasis.ATTEMPT for s in shown)


def test_an_unknown_stored_basis_reads_as_by_payment(tmp_path):
    raw = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
    raw.setValue("dashboard/count_basis", "per euro")
    raw.sync()
    assert dashboard_settings(tmp_path).dashboard_basis is CountBasis.PAYMENT
