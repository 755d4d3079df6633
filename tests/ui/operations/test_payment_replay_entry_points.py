"""Where "Replay Payment…" is: a visible button on History (and Ctrl+Shift+R), on a payment's
timeline and on the stuck-payments list; each asks for the payments it shows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from opsdesk.store.event_filter import EventFilter
from opsdesk.store.statistics.stuck_payments import StuckPayment
from opsdesk.ui.dashboard.stuck_payments_view import StuckPaymentsPanel
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.history.payment_timeline_dialog import PaymentTimelineDialog
from opsdesk.ui.operations.payment_replay_pick import PaymentPick, payment_ids_of_rows
from opsdesk.ui.settings import UiSettings
from tests.operations.payment_history import failed_payment, store

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
WAIT_MS = 10_000


def _history(qtbot, db_path: Path, ui_settings: UiSettings) -> HistoryPanel:
    panel = HistoryPanel(db_path, ui_settings, operator="tester")
    qtbot.addWidget(panel)
    panel.resize(1400, 800)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    qtbot.waitUntil(lambda: panel.model.complete and panel.model.rowCount() == 6, timeout=WAIT_MS)
    return panel


def _asked(panel: HistoryPanel) -> list[PaymentPick]:
    picks: list[PaymentPick] = []
    panel.payment_replay_requested.connect(picks.append)
    return picks


def test_history_replays_the_selected_rows_payments_or_the_filters(
    qtbot, tmp_path: Path, ui_settings: UiSettings
) -> None:
    db_path = tmp_path / "history.sqlite"
    store(db_path, *(e for n in range(3) for e in failed_payment(n, "payments.events")))
    panel = _history(qtbot, db_path, ui_settings)
    try:
        picks = _asked(panel)
        button = panel.replay_payment_button
        assert button.isVisible() and button.text() == "Replay Payment…"
        assert panel.replay_payment_action.shortcut().toString() == "Ctrl+Shift+R"
        assert panel.replay_action.text() == "Replay Exact Message…"  # the event replay, apart

        panel.filter_bar.set_filter(EventFilter(statuses=("failed",)))
        qtbot.waitUntil(lambda: panel.model.complete and panel.model.rowCount() == 3)
        panel.table.selectRow(0)
        panel.table.setFocus()
        qtbot.keyClick(panel.table, Qt.Key.Key_R, CTRL_SHIFT)
        (pick,) = picks
        assert len(pick.row_ids) == 1 and pick.has_filter
        assert pick.event_filter is not None and pick.event_filter.statuses == ("failed",)
        assert pick.event_filter.up_to_id == panel.model.newest_id  # the rows listed now
        (payment_id,) = payment_ids_of_rows(db_path, pick.row_ids)
        assert payment_id == panel.table.payment_id_at(0)

        panel.table.clearSelection()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert not picks[1].has_selection and picks[1].has_filter  # nothing selected: the filter
        assert picks[1].describe_filter().endswith('status "failed" (as listed now)')

        panel.filter_bar.set_filter(EventFilter())  # every event: no filter worth replaying by
        qtbot.waitUntil(lambda: panel.model.complete and panel.model.rowCount() == 6)
        panel.table.clearSelection()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert len(picks) == 2
        assert "Select the rows of the payments to retry" in panel.banner.text()
    finally:
        panel.shutdown()


def test_the_timeline_button_replays_its_payment(
    qtbot, tmp_path: Path, ui_settings: UiSettings
) -> None:
    db_path = tmp_path / "history.sqlite"
    store(db_path, *failed_payment(1, "payments.events"))
    panel = HistoryPanel(db_path, ui_settings, operator="tester")
    qtbot.addWidget(panel)
    try:
        picks = _asked(panel)
        timeline = panel.open_timeline("pay_1")
        assert panel.open_timeline("pay_1") is timeline  # raised again: still one request a click
        qtbot.waitUntil(lambda: timeline.steps_table.rowCount() == 2, timeout=WAIT_MS)
        button = timeline.findChild(QPushButton, "replayPaymentButton")
        assert button is timeline.replay_button and button.isVisible()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert picks == [PaymentPick(payment_ids=("pay_1",))]
    finally:
        panel.shutdown()
    assert not any(d.isVisible() for d in panel.findChildren(PaymentTimelineDialog))


def test_the_stuck_list_replays_its_selected_payments_and_keeps_them_selected(qtbot) -> None:
    panel = StuckPaymentsPanel()
    qtbot.addWidget(panel)
    panel.show()
    stuck = [
        StuckPayment(f"pay_{n}", "2026-03-02T09:00:00.000Z", "2026-03-02T09:00:01.000Z", 600.0,
                     "acme", 1000 + n, "EUR", "payment.requested")
        for n in range(3)
    ]  # fmt: skip
    panel.set_payments(stuck, 300)
    asked: list[list[str]] = []
    panel.replay_requested.connect(asked.append)
    assert panel.replay_button.isVisible() and not panel.replay_button.isEnabled()

    panel.table.selectRow(0)
    qtbot.mouseClick(
        panel.table.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        panel.table.visualRect(panel.model.index(2, 0)).center(),
    )
    assert panel.selected_payment_ids() == ["pay_0", "pay_2"]
    panel.set_payments(list(reversed(stuck)), 300)  # a refresh keeps what was selected
    assert panel.selected_payment_ids() == ["pay_2", "pay_0"]
    qtbot.mouseClick(panel.replay_button, Qt.MouseButton.LeftButton)
    assert asked == [["pay_2", "pay_0"]]

    panel.set_payments(stuck[1:2], 300)  # the selected ones are no longer stuck
    assert not panel.replay_button.isEnabled()
