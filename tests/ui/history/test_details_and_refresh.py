"""History keeps its details pane true to the rows, and F5 says that it refreshed (finding 9)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from opsdesk.store.event_store import EventStore
from opsdesk.ui import event_cells
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.tap_bridge import TapBridge
from opsdesk.ui.window_setup import build_main_window
from tests.ui.history.conftest import Lifecycle, event, wait_complete

COL_MERCHANT = event_cells.COL_MERCHANT


def _select_merchant(qtbot, panel: HistoryPanel, merchant: str) -> int:
    """Select the first row of `merchant`; its history row id."""
    for row in range(panel.model.rowCount()):
        if panel.model.row_at(row).cells[COL_MERCHANT] == merchant:
            panel.table.selectRow(row)
            row_id = panel.model.row_id(row)
            assert panel.details.shown_event is not None
            assert panel.details.shown_event.merchant == merchant
            return row_id
    raise AssertionError(f"no row of {merchant}")


def test_a_filter_that_hides_the_selected_event_empties_the_details(
    qtbot, open_panel, small_history
):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    _select_merchant(qtbot, panel, Lifecycle.merchant(1))

    panel.filter_bar.merchant_edit.setText(Lifecycle.merchant(2))
    panel.filter_bar.apply_now()
    qtbot.waitUntil(lambda: panel.model.complete and bool(panel.model.filter.merchants))
    qtbot.waitUntil(lambda: panel.details.shown_event is None)
    assert "not among the rows of this filter" in panel.details.note()
    assert panel.details.text().strip() == ""


def test_a_filter_that_still_shows_the_selected_event_keeps_it_selected(
    qtbot, open_panel, small_history
):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    merchant = Lifecycle.merchant(3)
    row_id = _select_merchant(qtbot, panel, merchant)

    panel.filter_bar.merchant_edit.setText(merchant)
    panel.filter_bar.apply_now()
    qtbot.waitUntil(lambda: panel.model.complete and bool(panel.model.filter.merchants))
    qtbot.waitUntil(lambda: panel.table.current_row_id() == row_id)
    assert panel.details.shown_event is not None and panel.details.shown_event.merchant == merchant


def test_f5_in_the_history_tab_shows_that_it_refreshed(qtbot, ui_settings, small_history):
    """Through the window as a person: click the History tab, press F5, see it happen."""
    panel = HistoryPanel(small_history, ui_settings, operator="tester", live_interval_ms=60_000)
    window = build_main_window(
        small_history, TapBridge(), ui_settings, broker_label="b", panels=[("History", panel)]
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    try:
        window.table.setFocus()  # the Live table, where a user starts
        bar = window.tabs.tabBar()
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
        assert window.tabs.currentWidget() is panel
        wait_complete(qtbot, panel)
        assert not panel.summary.refreshed_label.isVisible()
        with EventStore(small_history) as store:
            store.insert_batch([event(i) for i in range(3_000, 3_006)])

        focus = QApplication.focusWidget()
        assert focus is not None and panel.isAncestorOf(focus)
        qtbot.keyClick(focus, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: panel.summary.refreshed_label.isVisible())
        assert re.fullmatch(r"· refreshed \d\d:\d\d:\d\d", panel.summary.refreshed_label.text())
        assert panel.model.rowCount() == 3_006
        assert panel.summary.count_label.text() == "3,006 events"

        # A new filter is not a refresh: the stamp goes.
        panel.filter_bar.merchant_edit.setText(Lifecycle.merchant(1))
        panel.filter_bar.apply_now()
        assert not panel.summary.refreshed_label.isVisible()
    finally:
        panel.shutdown()


def test_refreshing_says_so_while_it_runs(qtbot, open_panel, big_history):
    panel = open_panel(big_history, live_interval_ms=60_000)
    wait_complete(qtbot, panel, timeout=30_000)
    texts: list[str] = []
    panel.model.loading_changed.connect(lambda _: texts.append(panel.summary.count_label.text()))
    panel.refresh_action.trigger()
    qtbot.waitUntil(lambda: panel.summary.refreshed_label.isVisible(), timeout=30_000)
    assert "refreshing…" in texts
