"""Following replayed payments to their next outcome, on a thread of its own.

The history is read (replay_outcomes.read_outcomes) every `interval` seconds until every
payment has an outcome, `follow_s` seconds have passed, or it is cancelled. Each read that
found something new arrives as `outcomes_read`; the last as `finished`. The UI thread only
draws what arrives.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal, SignalInstance

from opsdesk.operations.replay_outcomes import (
    POLL_INTERVAL,
    BatchOutcome,
    ReplaySent,
    read_outcomes,
)
from opsdesk.ui.thread_task import ThreadTask

log = logging.getLogger(__name__)

STOP_WAIT_S = 5.0  # one history read, then the thread sees the cancel


class OutcomeFollower(ThreadTask):
    """Exactly one of `finished` (the last BatchOutcome, also when cancelled) or `failed`
    (the history could not be read) follows `start()`."""

    outcomes_read = Signal(object)  # BatchOutcome with something new
    finished = Signal(object)  # BatchOutcome: complete, timed out or cancelled
    failed = Signal(object)  # Exception

    def __init__(
        self,
        db_path: Path,
        sent: Sequence[ReplaySent],
        follow_s: float,
        *,
        interval: float = POLL_INTERVAL,
        parent: QObject | None = None,
    ) -> None:
        self._db_path = db_path
        self._sent = tuple(sent)
        self._follow_s = follow_s
        self._interval = interval
        super().__init__("replay-outcomes", parent)
        if parent is not None:
            # A parent deleted without closing (its last reference dropped) still ends the
            # follow; a plain callable, since this task dies with the parent.
            cancel = self._cancel
            parent.destroyed.connect(lambda *_: cancel.set())

    @property
    def follow_s(self) -> float:
        return self._follow_s

    def stop(self) -> None:
        """Cancel and wait for the thread (the dialog is closing)."""
        self.cancel()
        self.wait(STOP_WAIT_S)

    def _outcome_signals(self) -> tuple[SignalInstance, ...]:
        return (self.finished, self.failed)

    def _run(self) -> None:
        deadline = time.monotonic() + self._follow_s
        seen: tuple[object, ...] = ()
        try:
            while True:
                batch = read_outcomes(self._db_path, self._sent)
                left = deadline - time.monotonic()
                if batch.complete or left <= 0 or self._cancel.is_set():
                    break
                news = tuple((o.payment_id, o.kind) for o in batch.outcomes)
                if news != seen:
                    seen = news
                    self._deliver("outcomes_read", batch)
                if self._cancel.wait(min(self._interval, left)):
                    break
        except Exception as exc:  # StoreError and the like: shown beside the outcomes
            log.info("following replayed payments stopped: %s", exc)
            self._deliver("failed", exc)
            return
        self._deliver("finished", batch)

    def _deliver(self, signal: str, value: BatchOutcome | Exception) -> None:
        try:
            getattr(self, signal).emit(value)
        except RuntimeError:  # the dialog went away first: nobody is looking
            log.debug("replay outcomes read after their dialog closed")
