"""Call a function at most once per interval; requests in between coalesce into one call."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    """The first request runs at once; a burst after it runs once more when the interval ends.

    The idea of qutebrowser's misc/throttle.py, without arguments: a redraw only needs to
    know that something changed, not what.
    """

    def __init__(
        self, func: Callable[[], None], interval_ms: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._func = func
        self._interval_ms = interval_ms
        self._last_call: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self.calls = 0  # how many times func ran, for tests and logs

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    @property
    def ready(self) -> bool:
        """True when a request now would run at once (nothing pending, the interval is over)."""
        if self.pending:
            return False
        if self._last_call is None:
            return True
        return (time.monotonic() - self._last_call) * 1000 >= self._interval_ms

    def request(self) -> None:
        """Run func now if the interval has passed since the last run, else once it has."""
        if self._timer.isActive():
            return  # already coming: this request joins it
        now = time.monotonic()
        if self._last_call is None or (now - self._last_call) * 1000 >= self._interval_ms:
            self._run(now)
            return
        wait_ms = self._interval_ms - (now - self._last_call) * 1000
        self._timer.start(max(1, round(wait_ms)))

    def flush(self) -> None:
        """Run a pending call now."""
        if self._timer.isActive():
            self._timer.stop()
            self._run(time.monotonic())

    def cancel(self) -> None:
        self._timer.stop()

    def _on_timeout(self) -> None:
        self._run(time.monotonic())

    def _run(self, now: float) -> None:
        self._last_call = now
        self.calls += 1
        self._func()
