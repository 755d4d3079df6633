"""The dashboard through every time window and every success-rate breakdown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from opsdesk.store.statistics.values import Breakdown
from opsdesk.ui.dashboard.custom_window_dialog import CustomWindowDialog
from opsdesk.ui.dashboard.dashboard_data import DashboardSnapshot
from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.dashboard.dashboard_toolbar import BREAKDOWN_CHOICES, WINDOW_CHOICES
from tests.journeys.conftest import RunningDesk

pytestmark = pytest.mark.broker

PRESET_SPANS = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}
REFRESHES = 2  # snapshots drawn after a choice: the view keeps refreshing, not just once


def _open_dashboard(desk: RunningDesk) -> DashboardPanel:
    panel = desk.operator.open_tab("Dashboard")
    assert isinstance(panel, DashboardPanel)
    desk.operator.wait_until(
        lambda: panel.snapshot is not None and panel.snapshot.headline.outcomes > 0,
        "the dashboard to count payment outcomes",
    )
    return panel


def test_every_time_window_including_a_custom_one(desk: RunningDesk) -> None:
    op = desk.operator
    panel = _open_dashboard(desk)
    combo = panel.toolbar.window_combo
    assert [combo.itemData(i) for i in range(combo.count())] == [k for _, k in WINDOW_CHOICES]
    for index, (label, key) in enumerate(WINDOW_CHOICES):
        if key not in PRESET_SPANS:
            continue
        span = PRESET_SPANS[key]
        args = op.wait_for(
            panel.snapshot_shown,
            f"the dashboard drawn for {label}",
            lambda index=index: op.choose(combo, index),
            check=lambda s, span=span: s.query.choice.span == span,
        )
        snapshot: DashboardSnapshot = args[0]
        assert snapshot.window.end - snapshot.window.start >= span - timedelta(minutes=1)
        assert snapshot.headline.outcomes > 0 and snapshot.status is not None
        assert combo.currentText() == label and panel.following
        assert "buckets of" in panel.toolbar.status_label.text()

    custom = [i for i, (_, k) in enumerate(WINDOW_CHOICES) if k not in PRESET_SPANS]
    assert len(custom) == 1
    op.choose(combo, custom[0])
    dialog = panel.findChild(CustomWindowDialog)
    assert dialog is not None and dialog.isVisible()
    # The last ten minutes, typed as a person types them (Esc would keep the preset).
    dialog.start_edit.setFocus()
    args = op.wait_for(
        panel.snapshot_shown,
        "the dashboard drawn for the custom window",
        lambda: op.press(Qt.Key.Key_Return, widget=dialog.end_edit),
        check=lambda s: s.query.choice.is_custom,
    )
    snapshot = args[0]
    assert snapshot.query.choice.start is not None and snapshot.query.choice.end is not None
    assert combo.currentText() == "Custom…"
    assert not panel.following and not panel.toolbar.follow_check.isChecked()
    assert snapshot.headline.outcomes > 0

    # Follow live again: back to the last preset, refreshing with the clock.
    op.click(panel.toolbar.follow_check)
    op.wait_until(
        lambda: panel.following and panel.window_choice.span == PRESET_SPANS["7d"],
        "Follow live to return to the last preset",
    )


def test_every_success_rate_breakdown_and_back_to_overall(desk: RunningDesk) -> None:
    """Finding 3 of issue 9: any breakdown but Overall crashed on every refresh."""
    op = desk.operator
    panel = _open_dashboard(desk)
    combo = panel.toolbar.breakdown_combo
    choices = [*BREAKDOWN_CHOICES[1:], BREAKDOWN_CHOICES[0]]  # and back to Overall last
    for label, breakdown in choices:
        index = combo.findData(breakdown)
        snapshots: list[DashboardSnapshot] = []
        panel.snapshot_shown.connect(snapshots.append)
        try:
            op.choose(combo, index)
            op.wait_until(
                lambda breakdown=breakdown, snapshots=snapshots: (
                    sum(s.query.breakdown is breakdown for s in snapshots) >= REFRESHES
                ),
                f"the success-rate chart drawn {REFRESHES} times by {label}",
            )
        finally:
            panel.snapshot_shown.disconnect(snapshots.append)
        snapshot = snapshots[-1]
        assert combo.currentText() == label and panel.breakdown is breakdown
        if breakdown is Breakdown.ERROR_CODE:
            assert snapshot.codes is not None and snapshot.codes.by_code
        elif breakdown is Breakdown.OVERALL:
            assert len(snapshot.rates) == 1
        else:
            assert len(snapshot.rates) > 2, "one line per merchant or currency, and overall"
