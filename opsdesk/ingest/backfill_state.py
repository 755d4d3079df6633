"""A stream tap's backfill as three threads see it: asked, read and stored.

The operator asks on the UI thread, the consumer thread starts the reader, and the writer's
thread reports what committed. One lock keeps the request, what of it committed and its
progress consistent: a batch of an earlier request committing while a new one starts must
not count for the new one (it would resume the new one after offsets it never read).
"""

from __future__ import annotations

import threading
from dataclasses import replace

from opsdesk.ingest.backfill_progress import BackfillProgress
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.store.source_positions import PendingBackfill, Position


class BackfillState:
    """The current request (pending until its last batch commits) and its progress."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asked: BackfillStart | None = None  # asked, not yet taken by the consumer
        self._pending: BackfillStart | None = None  # being read (or to resume on open)
        self._committed: int | None = None  # its last offset stored
        self._progress: BackfillProgress | None = None

    def resume(self, held: PendingBackfill | None) -> None:
        """The request the history holds, read once the source opens; one asked meanwhile
        was recorded after it, and wins."""
        with self._lock:
            if held is None or self._asked is not None:
                return
            self._pending = BackfillStart.from_record(held.start)
            self._committed = held.offset
            self._progress = BackfillProgress(self._pending.describe())

    def ask(self, start: BackfillStart) -> None:
        """A new request, taken by the consumer thread at its next delivery."""
        with self._lock:
            self._asked = start
            self._progress = BackfillProgress(start.describe())

    def take_asked(self) -> BackfillStart | None:
        """The request asked since the last call, which becomes the pending one."""
        with self._lock:
            asked, self._asked = self._asked, None
            if asked is not None:
                self._pending, self._committed = asked, None
            return asked

    def pending(self) -> BackfillStart | None:
        with self._lock:
            return self._pending

    def resume_after(self) -> int | None:
        """The last offset the pending request stored: read on after it."""
        with self._lock:
            return self._committed

    def committed(self, end: Position, messages: int, first: int | None) -> None:
        """A batch of a backfill committed: `end` is its position, `first` its first offset."""
        with self._lock:
            pending = self._pending
            if pending is None or pending.record() != end.backfill_from:
                return  # a batch of an earlier request
            self._committed = max(end.offset, -1 if self._committed is None else self._committed)
            progress = self._progress or BackfillProgress(pending.describe())
            self._progress = replace(
                progress,
                first=progress.first if progress.first is not None else first,
                reached=end.offset,
                stored=progress.stored + messages,
                done=end.backfill_done,
            )
            if end.backfill_done:
                self._pending = None

    def target(self, last: int) -> None:
        """The live reader has everything after `last`: the backfill's last offset."""
        with self._lock:
            if self._progress is not None and not self._progress.done:
                self._progress = replace(self._progress, target=last)

    def progress(self) -> BackfillProgress | None:
        with self._lock:
            return self._progress
