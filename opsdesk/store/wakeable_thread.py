"""A store worker's thread: started once, woken early, stopped after its current batch."""

from __future__ import annotations

import threading


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
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
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

    def _run(self) -> None:
        raise NotImplementedError
