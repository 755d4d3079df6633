"""The Broker tab in the whole window, as build_desk wires it, against the real broker: the
operator opens the tab (Alt+B), filters to a queue, sees its figures and opens it in the
Queues tab's browser with a double click."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from opsdesk.config import Binding, MonitorSettings, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.ui.broker.broker_panel import BrokerPanel
from opsdesk.ui.broker.queue_overview_model import COL_READY, COL_TOTAL
from opsdesk.ui.operations.queue_browser_panel import QueueBrowserPanel
from tests.conftest import BROKER_URL
from tests.ui.running_desk import running_desk

pytestmark = pytest.mark.broker

WAIT_MS = 25_000


def test_filter_to_a_queue_see_its_figures_and_browse_it(broker, unique_name, qtbot, tmp_path):
    exchange = broker.exchange(f"{unique_name}.events")
    tap_queue = broker.track_queue(f"{unique_name}.tap")  # the desk declares it
    queue = broker.queue(f"{unique_name}.orders")
    for number in range(4):
        broker.publish("", queue, f"order {number}".encode(), message_id=f"m{number}")
    profile = Profile(
        name="broker-tab-window",
        endpoint=BrokerEndpoint(url=BROKER_URL),
        bindings=(Binding(exchange),),
        tap=TapSettings(queue=tap_queue),
        monitor=MonitorSettings(queues=(queue,), interval=1.0),
    )
    with running_desk(qtbot, profile, tmp_path / "history.sqlite", tmp_path) as desk:
        window = desk.window
        panel = window.findChild(BrokerPanel)
        browser = window.findChild(QueueBrowserPanel)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)  # keys reach the active window only
        focused = QApplication.focusWidget() or window
        qtbot.keyClick(focused, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
        assert window.tabs.currentWidget() is panel
        assert window.tabs.tabText(window.tabs.currentIndex()) == "&Broker"

        overview = panel.overview
        overview.table.setFocus()
        qtbot.keyClick(overview.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert overview.filter_edit.hasFocus()
        qtbot.keyClicks(overview.filter_edit, f"{unique_name}.ord")
        model = overview.model
        qtbot.waitUntil(
            lambda: model.rowCount() == 1 and model.data(model.index(0, COL_READY)) == "4",
            timeout=WAIT_MS,
        )
        assert model.data(model.index(0, COL_TOTAL)) == "4"
        assert overview.count_label.text().startswith("1 of ")
        assert overview.age.text().startswith("as of ")

        cell = overview.table.visualRect(model.index(0, 0)).center()
        qtbot.mouseClick(overview.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        assert overview.chosen == queue
        with qtbot.waitSignal(browser.browsed, timeout=WAIT_MS) as browsed:
            qtbot.mouseDClick(overview.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        assert window.tabs.currentWidget() is browser
        assert browser.queue_box.currentText() == queue
        result = browsed.args[0]
        assert result.queue == queue
        assert [m.message_id for m in result.messages] == ["m0", "m1", "m2", "m3"]
