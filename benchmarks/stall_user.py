"""A user working in the window while it ingests, for benchmarks/ui_stall.py.

Every STEP_MS, on the UI thread's event loop, the next of a fixed round of things a person
does: the History tab (its live rows coming in), page down, select a row (details read),
back to the top, the Dashboard, the Live tab, select a row there (the table holds still),
page down, jump back to the newest. Keys go through QTest, as a keyboard's would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableView, QWidget
from stall_heartbeat import Heartbeat

from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.main_window import MainWindow

STEP_MS = 300
P = TypeVar("P", bound=QWidget)


class Interaction(QObject):
    def __init__(self, window: MainWindow, heartbeat: Heartbeat) -> None:
        super().__init__(window)
        self._window = window
        self._heartbeat = heartbeat
        self.history = _panel(window, HistoryPanel)
        self.dashboard = _panel(window, DashboardPanel)
        self.steps: list[tuple[str, Callable[[], None]]] = [
            ("History tab", lambda: window.show_panel(self.history)),
            ("History: PageDown", lambda: _key(self.history.table, Qt.Key.Key_PageDown)),
            ("History: select row 5", lambda: self.history.table.selectRow(5)),
            ("History: Down x3", lambda: _key(self.history.table, Qt.Key.Key_Down, 3)),
            ("History: Home", lambda: _key(self.history.table, Qt.Key.Key_Home)),
            ("Dashboard tab", lambda: window.show_panel(self.dashboard)),
            ("Live tab", lambda: window.show_panel(window.live)),
            ("Live: select row 3", lambda: window.table.selectRow(3)),
            ("Live: PageDown", lambda: _key(window.table, Qt.Key.Key_PageDown)),
            ("Live: jump to newest", window.jump_to_newest_action.trigger),
        ]
        self.done = 0
        self._timer = QTimer(self)
        self._timer.setInterval(STEP_MS)
        self._timer.timeout.connect(self._step)

    def history_loaded(self) -> bool:
        """The History tab holds every id of its filter (read in the background at start)."""
        return self.history.model.complete

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._heartbeat.doing = "idle"
        self._window.show_panel(self._window.live)

    def _step(self) -> None:
        name, action = self.steps[self.done % len(self.steps)]
        self._heartbeat.doing = f"after '{name}'"
        action()
        self.done += 1


def _panel(window: MainWindow, kind: type[P]) -> P:
    tabs = window.tabs
    return next(w for w in map(tabs.widget, range(tabs.count())) if isinstance(w, kind))


def _key(view: QTableView, key: Qt.Key, times: int = 1) -> None:
    view.setFocus()
    for _ in range(times):
        QTest.keyClick(view, key)
