"""A system-tray notification per fired alert, where the desktop has a tray."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon

from opsdesk.alerting.evaluator import AlertTransition
from opsdesk.ui.alerts.alert_text import headline

log = logging.getLogger(__name__)

MESSAGE_MS = 10_000


class TrayNotifier(QObject):
    """Does nothing without a tray (offscreen, some Wayland desktops); the banner still shows."""

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.setToolTip("opsdesk")
            self._tray.show()
        else:
            log.info("no system tray: alerts show in the window only")

    @property
    def available(self) -> bool:
        return self._tray is not None

    def notify(self, transition: AlertTransition) -> bool:
        """Notify a fired alert (a cleared one is good news the banner shows); True if shown."""
        if not transition.fired or self._tray is None or not QSystemTrayIcon.supportsMessages():
            return False
        self._tray.showMessage(
            f"opsdesk alert: {transition.rule.name}",
            headline(transition),
            QSystemTrayIcon.MessageIcon.Warning,
            MESSAGE_MS,
        )
        return True

    def hide(self) -> None:
        if self._tray is not None:
            self._tray.hide()
