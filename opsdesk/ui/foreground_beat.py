"""The UI thread's beat, which the window's background threads give way to when it is late."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer

from opsdesk.foreground import BEAT_S, Foreground


class ForegroundBeat(QObject):
    """A desk worker: beats `foreground` from the UI thread's event loop while started."""

    def __init__(self, foreground: Foreground, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.foreground = foreground
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer is late by design
        self._timer.setInterval(round(BEAT_S * 1000))
        self._timer.timeout.connect(self._on_timeout)

    def start(self) -> None:
        self.foreground.beat()
        self._timer.start()

    def stop(self, timeout: float = 0.0) -> None:
        """Before the other workers stop: the UI thread then waits for them, not they for it."""
        self._timer.stop()
        self.foreground.stop()

    def _on_timeout(self) -> None:
        self.foreground.beat()
