"""A person at the window: keys to the focused widget, clicks, menus, combo boxes, waits.

Everything goes through real input events (QTest) to the widgets a person would use; only
waiting is done by watching the widgets' state or signals. Each wait also watches for
trouble (a crash report, an ERROR log, a critical message box) and stops at the first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTabWidget,
    QToolButton,
    QWidget,
)
from pytestqt.exceptions import TimeoutError as QtTimeoutError
from pytestqt.qtbot import QtBot

from tests.journeys.trouble_watch import TroubleWatch

WAIT_MS = 15_000
# Alt+letter of each tab's title (the window's own mnemonics).
TAB_KEYS = {
    "Live": Qt.Key.Key_L,
    "History": Qt.Key.Key_T,
    "Dashboard": Qt.Key.Key_D,
    "Queues": Qt.Key.Key_Q,
    "Broker": Qt.Key.Key_B,
    "Alerts": Qt.Key.Key_R,
    "Audit": Qt.Key.Key_U,
}


class JourneyTrouble(Exception):
    """Something that fails any journey happened (not an AssertionError: waits must not retry)."""


class Operator:
    """Drives one window; `window` is the MainWindow the keys go to when nothing has focus."""

    def __init__(self, qtbot: QtBot, window: QMainWindow, watch: TroubleWatch) -> None:
        self.qtbot = qtbot
        self.window = window
        self.watch = watch

    # -- trouble and waiting ------------------------------------------------------------------

    def check(self) -> None:
        problems = self.watch.problems()
        if problems:
            raise JourneyTrouble("\n\n".join(problems))

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: int = WAIT_MS) -> None:
        def ready() -> bool:
            self.check()
            return bool(condition())

        try:
            self.qtbot.waitUntil(ready, timeout=timeout)
        except QtTimeoutError as exc:
            raise AssertionError(f"waited {timeout} ms for {what}") from exc

    def wait_for(
        self,
        signal: Any,
        what: str,
        action: Callable[[], None],
        timeout: int = WAIT_MS,
        check: Callable[..., bool] | None = None,
    ) -> list[Any]:
        """Do `action` and wait for `signal` (its arguments passing `check`); its arguments."""
        seen: list[list[Any]] = []

        def on_signal(*args: Any) -> None:
            if check is None or check(*args):
                seen.append(list(args))

        signal.connect(on_signal)
        try:
            action()
            self.wait_until(lambda: bool(seen), what, timeout)
        finally:
            signal.disconnect(on_signal)
        return seen[0]

    def settle(self, window: QWidget | None = None) -> None:
        """After a popup or dialog closed: the window below is active again.

        A window manager does this; the offscreen platform leaves a closed menu "active",
        where no shortcut of the window would reach.
        """
        window = window or self.window
        modal = QApplication.activeModalWidget()
        if modal is not None and modal.isVisible():
            window = modal  # what a window manager would keep active above its parent
        if QApplication.activeWindow() is not window or not window.isActiveWindow():
            window.activateWindow()
            self.wait_until(window.isActiveWindow, "the window to be active again", 2_000)

    # -- keys ---------------------------------------------------------------------------------

    def focused(self) -> QWidget:
        """Where a key goes: the focus widget, else the main window (never a hidden popup)."""
        widget = QApplication.focusWidget()
        return widget if widget is not None and widget.window().isVisible() else self.window

    def press(
        self,
        key: Qt.Key,
        modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
        widget: QWidget | None = None,
    ) -> None:
        target = widget or self.focused()
        active = QApplication.activeWindow()
        stale = active is None or not active.isVisible()  # a closed popup left "active"
        if (stale or not target.window().isActiveWindow()) and not QApplication.activePopupWidget():
            self.settle(target.window())  # keys reach the active window only
        self.qtbot.keyClick(target, key, modifiers)
        self.check()

    def type_text(self, widget: QLineEdit, text: str, *, replace: bool = True) -> None:
        self.click(widget)
        if replace:
            self.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier, widget)
            self.press(Qt.Key.Key_Backspace, widget=widget)
        for char in text:
            if char.isascii():
                self.qtbot.keyClick(widget, char)
            else:  # QTest types ASCII only: a key event carrying the text, as a keyboard layout
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    event = QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                    QApplication.sendEvent(widget, event)
        self.check()

    def open_tab(self, title: str) -> QWidget:
        """Alt+its letter, as underlined in the tab's title; the panel now shown."""
        tabs = self.window.findChild(QTabWidget, "mainTabs")
        assert tabs is not None
        self.press(TAB_KEYS[title], Qt.KeyboardModifier.AltModifier)
        self.wait_until(
            lambda: tabs.tabText(tabs.currentIndex()).replace("&", "") == title,
            f"Alt+{TAB_KEYS[title].name[-1]} to show the {title} tab",
            timeout=2_000,
        )
        return tabs.currentWidget()

    # -- mouse --------------------------------------------------------------------------------

    def click(self, widget: QWidget, pos: QPoint | None = None) -> None:
        if isinstance(widget, QAbstractButton):
            assert widget.isEnabled(), f"{widget.text()!r} is disabled: {widget.toolTip()}"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos or widget.rect().center())
        self.check()

    def click_row(
        self,
        view: QAbstractItemView,
        row: int,
        modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    ) -> None:
        """Click a row (scrolled into view first, as a person scrolls to it)."""
        index = view.model().index(row, 0)
        view.scrollTo(index)
        rect = view.visualRect(index)
        self.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifiers, rect.center())
        self.check()

    def choose(self, combo: QComboBox, index: int) -> None:
        """Open the list (Alt+Down), walk to the item with the arrow keys, Enter."""
        combo.setFocus(Qt.FocusReason.TabFocusReason)
        self.press(Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier, combo)
        view = combo.view()
        self.wait_until(view.isVisible, "the combo box's list to open", timeout=2_000)
        current = view.currentIndex().row()
        key = Qt.Key.Key_Down if index > current else Qt.Key.Key_Up
        for _ in range(abs(index - current)):
            self.press(key, widget=view)
        assert view.currentIndex().row() == index, (view.currentIndex().row(), index)
        self.press(Qt.Key.Key_Return, widget=view)
        self.wait_until(lambda: not view.isVisible(), "the combo box's list to close", 2_000)
        self.settle(combo.window())

    def choose_menu_item(self, button: QToolButton, text: str) -> None:
        """Click a menu button, then the item called `text` in the menu that pops up."""
        menu = button.menu()
        assert isinstance(menu, QMenu)
        action = next((a for a in menu.actions() if a.text().replace("&", "") == text), None)
        assert isinstance(action, QAction), f"no {text!r} in {[a.text() for a in menu.actions()]}"
        clicked: list[bool] = []

        def click_in_popup() -> None:
            popup = QApplication.activePopupWidget()
            if popup is not menu:
                QTimer.singleShot(10, click_in_popup)  # the menu's own loop has not shown it yet
                return
            clicked.append(True)
            centre = menu.actionGeometry(action).center()
            self.qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=centre)

        # An instant-popup button runs the menu in its own event loop until it closes.
        QTimer.singleShot(0, click_in_popup)
        self.click(button)
        self.wait_until(lambda: bool(clicked) and not menu.isVisible(), f"menu item {text!r}")
        self.settle(button.window())

    def use_menu(self, menu_title: str, item: str) -> None:
        """Alt+the menu's letter, then a click on the item (titles without ampersands)."""
        bar = self.window.menuBar()
        top = next((a for a in bar.actions() if a.text().replace("&", "") == menu_title), None)
        assert top is not None, f"no menu {menu_title!r}"
        menu = top.menu()
        assert isinstance(menu, QMenu)
        letter = top.text()[top.text().index("&") + 1].upper()
        self.press(Qt.Key(ord(letter)), Qt.KeyboardModifier.AltModifier, self.window)
        self.wait_until(menu.isVisible, f"Alt+{letter} to open the {menu_title} menu", 2_000)
        wanted = item.replace("&", "").rstrip("…")
        action = next(
            (a for a in menu.actions() if a.text().replace("&", "").rstrip("…") == wanted), None
        )
        assert action is not None, f"no {item!r} in {[a.text() for a in menu.actions()]}"
        centre = menu.actionGeometry(action).center()
        self.qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=centre)
        self.wait_until(lambda: not menu.isVisible(), f"the {menu_title} menu to close", 2_000)
        self.check()

    def row_of(self, view: QAbstractItemView, predicate: Callable[[QModelIndex], bool]) -> int:
        model = view.model()
        for row in range(model.rowCount()):
            if predicate(model.index(row, 0)):
                return row
        return -1
