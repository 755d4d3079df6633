"""What a sweep did, message by message, and its progress reports (throttled)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from opsdesk.operations.limit_stop import LimitStop, Returned
from opsdesk.operations.plan import (
    Destination,
    MessageOutcome,
    OutcomeStatus,
    Progress,
    ProgressCallback,
)

PROGRESS_INTERVAL = 0.2  # seconds between progress callbacks


@dataclass(slots=True)
class SweepReport:
    outcomes: list[MessageOutcome] = field(default_factory=list)
    examined: int = 0
    cancelled: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    done: int = 0
    failed: int = 0
    limit_stop: LimitStop | None = None  # the passed-over message it stopped at (quorum queues)
    returned: list[Returned] = field(default_factory=list)  # every message handed back
    taken_away: list[str] = field(default_factory=list)  # keys acked or rejected

    def record(
        self,
        key: str,
        status: OutcomeStatus,
        message_id: str | None,
        destination: Destination | None,
        detail: str,
    ) -> None:
        self.outcomes.append(MessageOutcome(key, status, message_id, destination, detail))
        if status is OutcomeStatus.DONE:
            self.done += 1
        else:
            self.failed += 1


class ProgressThrottle:
    """Calls `on_progress` with the report's counts, at most every PROGRESS_INTERVAL."""

    def __init__(self, on_progress: ProgressCallback | None, total: int) -> None:
        self._on_progress = on_progress
        self._total = total
        self._last = 0.0

    def __call__(self, report: SweepReport, force: bool = False) -> None:
        if self._on_progress is None:
            return
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self._on_progress(Progress(report.done, report.failed, report.examined, self._total))
