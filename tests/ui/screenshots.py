"""What the make_screenshot scripts share: waiting for the window, and a dialog over a panel."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEventLoop, QPoint, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap


def wait(app: QCoreApplication, done: Callable[[], bool], seconds: float = 20.0) -> None:
    """Process events until `done()` or the deadline; each event (or a 50 ms tick) rechecks."""
    deadline = time.monotonic() + seconds
    tick = QTimer()
    tick.start(50)  # wakes the loop below even when no other event comes
    while not done() and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    tick.stop()


def compose(panel: QPixmap, dialog: QPixmap) -> QPixmap:
    """The dialog over the panel's lower right, as it would sit on a desktop."""
    image = QPixmap(panel.size())
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.drawPixmap(0, 0, panel)
    at = QPoint(panel.width() - dialog.width() - 24, panel.height() - dialog.height() - 24)
    painter.fillRect(dialog.rect().translated(at + QPoint(6, 6)), QColor(0, 0, 0, 60))
    painter.drawPixmap(at, dialog)
    painter.setPen(QPen(QColor("#7a7a7a"), 1))
    painter.drawRect(dialog.rect().translated(at).adjusted(0, 0, -1, -1))
    painter.end()
    return image
