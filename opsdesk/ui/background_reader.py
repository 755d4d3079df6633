"""Reads off the UI thread: one worker thread owns the store objects, results come back queued.

Anki's operations idea: the caller names what to run in the background and what to do with
its result (or failure) on the UI thread. SQLite connections belong to the thread that opened
them, so the worker opens its context itself and keeps it for the next job, which is also what
lets statistics refresh incrementally instead of recomputing a whole window every tick.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

C = TypeVar("C")
R = TypeVar("R")

Job = Callable[[C], Any]
SuccessCallback = Callable[[Any], None]
FailureCallback = Callable[[Exception], None]


@dataclass(frozen=True, slots=True)
class _Request:
    """What the worker sees of a job: no callbacks, so it holds no reference to a widget."""

    key: str
    job: Callable[[Any], Any]
    number: int


@dataclass(frozen=True, slots=True)
class _Delivery:
    key: str
    number: int
    result: Any
    error: Exception | None
    seconds: float


class _Courier(QObject):
    """Lives in the UI thread with the callbacks; its signal, emitted on the worker, queues.

    The callbacks stay on this side so that the last reference to a widget is never dropped
    on the worker thread, which would destroy it there (Qt objects die on their own thread).
    """

    delivered = Signal(object)  # _Delivery

    def __init__(self) -> None:
        super().__init__()
        self.open = True
        self.callbacks: dict[int, tuple[SuccessCallback, FailureCallback | None]] = {}
        self.delivered.connect(self._on_delivered)

    def close(self) -> None:
        self.open = False
        self.callbacks.clear()

    def _on_delivered(self, delivery: _Delivery) -> None:
        callbacks = self.callbacks.pop(delivery.number, None)
        if not self.open or callbacks is None:
            return  # stopped meanwhile: the widgets these callbacks touch may be gone
        on_success, on_failure = callbacks
        if delivery.error is None:
            on_success(delivery.result)
        elif on_failure is not None:
            on_failure(delivery.error)
        else:
            log.warning("background %s failed: %s", delivery.key, delivery.error)


class BackgroundReader(Generic[C]):
    """Runs jobs one at a time on its own thread, against a context opened in that thread.

    A job submitted under a key replaces that key's job if it has not started yet: the
    latest question is the only one worth answering.
    """

    def __init__(
        self,
        open_context: Callable[[], C],
        close_context: Callable[[C], None],
        *,
        name: str = "background-reader",
        owner: QObject | None = None,
    ) -> None:
        """`owner`: when it is destroyed (even without `stop()`), the reader stops too."""
        self._open_context = open_context
        self._close_context = close_context
        self._name = name
        # No Qt parent: it must outlive the widgets, whose deletion would otherwise delete it
        # under a worker that is about to emit.
        self._courier = _Courier()
        self._condition = threading.Condition()
        self._pending: dict[str, _Request] = {}
        self._running: str | None = None
        self._numbers = itertools.count()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.last_seconds: dict[str, float] = {}  # duration of each key's latest job
        if owner is not None:
            owner.destroyed.connect(self._on_owner_destroyed)

    @property
    def busy(self) -> bool:
        """True while a job is queued or running."""
        with self._condition:
            return bool(self._pending) or self._running is not None

    def submit(
        self,
        key: str,
        job: Callable[[C], R],
        on_success: Callable[[R], None],
        on_failure: FailureCallback | None = None,
    ) -> None:
        """Run `job(context)` in the background; its outcome goes to a callback on this thread."""
        with self._condition:
            if self._stopping:
                return
            replaced = self._pending.pop(key, None)  # re-queued at the back, in submission order
            if replaced is not None:
                self._courier.callbacks.pop(replaced.number, None)
            request = _Request(key, job, next(self._numbers))
            self._courier.callbacks[request.number] = (on_success, on_failure)
            self._pending[key] = request
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._condition.notify()

    def stop(self, timeout: float = 5.0) -> None:
        """Drop queued jobs, let the running one finish, close the context; deliver nothing more."""
        self._courier.close()
        with self._condition:
            self._stopping = True
            self._pending.clear()
            self._condition.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("%s did not stop within %.1fs", self._name, timeout)

    def _on_owner_destroyed(self, *_: object) -> None:
        self.stop()

    def _next(self) -> _Request | None:
        with self._condition:
            self._running = None
            while not self._pending and not self._stopping:
                self._condition.wait()
            if self._stopping:
                return None
            key = next(iter(self._pending))
            self._running = key
            return self._pending.pop(key)

    def _run(self) -> None:
        context: C | None = None
        opened = False
        try:
            while (request := self._next()) is not None:
                started = time.perf_counter()
                try:
                    if not opened:
                        context = self._open_context()
                        opened = True
                    result, error = request.job(context), None
                except Exception as exc:  # delivered to the caller, who shows it
                    result, error = None, exc
                seconds = time.perf_counter() - started
                self.last_seconds[request.key] = seconds
                log.debug("%s: %s took %.1f ms", self._name, request.key, seconds * 1000)
                if self._courier.open:
                    delivery = _Delivery(request.key, request.number, result, error, seconds)
                    self._courier.delivered.emit(delivery)
        finally:
            if opened:
                try:
                    self._close_context(context)  # type: ignore[arg-type]
                except Exception:
                    log.exception("%s: closing its context failed", self._name)
