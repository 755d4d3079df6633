"""One plan executed on its own thread: progress (throttled), cancel, and the result, as signals."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal, SignalInstance

from opsdesk.config import Profile
from opsdesk.operations.plan import Plan, Progress
from opsdesk.operations.service import Operations
from opsdesk.ui.thread_task import ThreadTask

log = logging.getLogger(__name__)

# A replay reports after every message: more than this often would flood the UI thread's queue.
PROGRESS_EMIT_S = 0.1


class OperationTask(ThreadTask):
    """Runs `Operations.execute(plan)` once; create it in the UI thread so signals arrive queued.

    Exactly one of `finished` (an OperationResult, also when cancelled) or `failed` (the
    exception: refused, broker unreachable, ...) follows `start()`. `cancel()` stops it at the
    next message; what was confirmed stays done, the rest goes back.
    """

    progressed = Signal(object)  # Progress
    finished = Signal(object)  # OperationResult
    failed = Signal(object)  # Exception

    def __init__(
        self,
        profile: Profile,
        db_path: Path,
        plan: Plan,
        *,
        rate_limit: float | None = None,
        parent: QObject | None = None,
    ) -> None:
        self._profile = profile
        self._db_path = db_path
        self._plan = plan
        self._rate_limit = rate_limit
        self._last_emit = 0.0
        super().__init__("operation", parent)

    def _outcome_signals(self) -> tuple[SignalInstance, ...]:
        return (self.finished, self.failed)

    def _on_progress(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self._last_emit >= PROGRESS_EMIT_S:
            self._last_emit = now
            self.progressed.emit(progress)

    def _run(self) -> None:
        try:
            result = Operations(self._profile, self._db_path).execute(
                self._plan,
                on_progress=self._on_progress,
                cancel=self._cancel,
                rate_limit=self._rate_limit,
            )
        except Exception as exc:  # shown to the operator by the dialog
            log.info("%s ended with %s: %s", self._plan.action.value, type(exc).__name__, exc)
            self._deliver(self.failed, exc)
            return
        log.info(
            "%s ended: %s (audit #%s)", self._plan.action.value, result.outcome, result.audit_id
        )
        self._deliver(self.finished, result)

    def _deliver(self, signal: SignalInstance, value: object) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the window went away first; the audit log has the outcome
            log.warning("%s finished after its window closed", self._plan.action.value)
