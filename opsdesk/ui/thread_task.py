"""The life of one piece of work on its own thread: start, cancel, running, wait."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, SignalInstance

log = logging.getLogger(__name__)

OUTCOME_JOIN_S = 2.0  # the thread has emitted its outcome: it is returning


class ThreadTask(QObject):
    """Runs `_run` once on a thread of its own; create it in the UI thread so signals queue.

    A subclass defines its signals, runs its work in `_run` and ends it by emitting one of
    the signals it names in `_outcome_signals`: `running` stays True until that arrives.
    """

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False
        self._delivered = False
        # Connected first, so every other receiver already sees `running` as False.
        for signal in self._outcome_signals():
            signal.connect(self._on_outcome)

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

    def _outcome_signals(self) -> tuple[SignalInstance, ...]:
        raise NotImplementedError

    def _run(self) -> None:
        raise NotImplementedError

    def _on_outcome(self, _: object) -> None:
        # The outcome is the thread's last act; joining it here, before any other receiver
        # can drop this task, means the thread's reference to it is never the last one (that
        # would destroy a QObject on the worker thread).
        self._thread.join(OUTCOME_JOIN_S)
        self._delivered = True
