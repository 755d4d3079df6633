"""A backfill's progress in the log while `collect` runs: every few seconds, and when done."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from opsdesk.ingest.backfill_progress import BackfillProgress

log = logging.getLogger(__name__)

EVERY_S = 5.0


class BackfillLog:
    """Call it often (the collect loop does); it logs at most every EVERY_S seconds."""

    def __init__(self, progress: Callable[[], BackfillProgress | None]) -> None:
        self._progress = progress
        self._last_at = time.monotonic()
        self._last_stored = 0
        self._done_logged = False

    def __call__(self) -> None:
        progress = self._progress()
        now = time.monotonic()
        if progress is None or self._done_logged:
            return
        if not progress.done and now - self._last_at < EVERY_S:
            return
        rate = (progress.stored - self._last_stored) / max(now - self._last_at, 1e-3)
        self._last_at, self._last_stored = now, progress.stored
        if progress.done:
            self._done_logged = True
            log.info("backfill from %s done: %d messages stored", progress.start, progress.stored)
            return
        log.info("backfill from %s: %s, %.0f messages/s", progress.start, describe(progress), rate)


def describe(progress: BackfillProgress) -> str:
    """'45% (12,000 stored, 14,000 to go)', or what is known before the target is."""
    if progress.done:
        return f"done ({progress.stored:,} stored)"
    fraction, remaining = progress.fraction(), progress.remaining()
    if fraction is None or remaining is None:
        return f"{progress.stored:,} stored"
    return f"{fraction:.0%} ({progress.stored:,} stored, {remaining:,} to go)"
