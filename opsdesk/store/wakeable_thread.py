"""A store worker's thread: started once, woken early, stopped after its current batch."""

from __future__ import annotations

import threading

from opsdesk.thread_priority import lower_this_thread

BUSY_RETRY_S = 1.0  # a worker that found the history's write lock held tries again after this


class WakeableThread:
    """Subclasses implement `_run`, waiting on `_wake` between rounds and checking `_stop`."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None  # why the thread ended early, if it did

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self._name} was already started")
        self._thread = threading.Thread(target=self._run_below, name=self._name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Start the next round now instead of at the end of the wait."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """End after the current batch and wait for the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run_below(self) -> None:
        lower_this_thread()  # indexing and retention wait; the window's UI thread does not
        self._run()

    def _run(self) -> None:
        raise NotImplementedError
