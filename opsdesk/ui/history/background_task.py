"""One long job (an export, a prune) on its own thread, with progress and cancel as Qt signals."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Work = Callable[[Progress, threading.Event], Any]


class BackgroundTask(QObject):
    """Runs `work(on_progress, cancel)` once; create it in the UI thread so signals arrive queued.

    Exactly one of `succeeded`, `failed` follows `start()`; `cancelled` work reports through
    whatever its function raises or returns once it has seen the event.
    """

    progressed = Signal(int, int)  # done, total
    succeeded = Signal(object)  # the work's return value
    failed = Signal(object)  # the exception

    def __init__(self, name: str, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._work = work
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False
        self._delivered = False
        # Connected first, so every other receiver already sees `running` as False.
        self.succeeded.connect(self._on_outcome)
        self.failed.connect(self._on_outcome)

    @property
    def running(self) -> bool:
        """Started, and its outcome not yet delivered to the UI thread."""
        return self._started and not self._delivered

    def start(self) -> None:
        self._started = True
        self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop at its next check; its outcome still arrives as a signal."""
        self._cancel.set()

    def wait(self, timeout: float) -> bool:
        """Wait for the thread to end; True when it has."""
        if self._thread.ident is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("%s did not stop within %.1fs", self._name, timeout)
            return False
        return True

    def _run(self) -> None:
        try:
            result = self._work(self.progressed.emit, self._cancel)
        except Exception as exc:  # shown to the operator by whoever listens
            log.info("%s ended with %s: %s", self._name, type(exc).__name__, exc)
            self.failed.emit(exc)
            return
        self.succeeded.emit(result)

    def _on_outcome(self, _: object) -> None:
        self._delivered = True
