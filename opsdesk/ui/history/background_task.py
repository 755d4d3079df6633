"""One long job (an export, a prune) on its own thread, with progress and cancel as Qt signals."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

from opsdesk.ui.thread_task import ThreadTask

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Work = Callable[[Progress, threading.Event], Any]


class BackgroundTask(ThreadTask):
    """Runs `work(on_progress, cancel)` once; create it in the UI thread so signals arrive queued.

    Exactly one of `succeeded`, `failed` follows `start()`; `cancelled` work reports through
    whatever its function raises or returns once it has seen the event.
    """

    progressed = Signal(int, int)  # done, total
    succeeded = Signal(object)  # the work's return value
    failed = Signal(object)  # the exception

    def __init__(self, name: str, work: Work, parent: QObject | None = None) -> None:
        self._work = work
        super().__init__(name, parent)

    def _outcome_signals(self) -> tuple[SignalInstance, ...]:
        return (self.succeeded, self.failed)

    def _run(self) -> None:
        try:
            result = self._work(self.progressed.emit, self._cancel)
        except Exception as exc:  # shown to the operator by whoever listens
            log.info("%s ended with %s: %s", self._name, type(exc).__name__, exc)
            self.failed.emit(exc)
            return
        self.succeeded.emit(result)
