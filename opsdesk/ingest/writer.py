"""The writer a tap hands its batches to: decode, commit in order, report each commit.

Two implement it: ThreadWriter (thread_writer.py: decode and commit on two threads of this
process) and ProcessWriter (process_writer.py: commits in a child process). Whoever builds
a tap injects one; writer_choice.py holds the profile's choice between them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from opsdesk.events.mapping import FieldMapping
from opsdesk.ingest.commit_report import CommitReport
from opsdesk.ingest.source import Batch
from opsdesk.store.errors import StoreError

log = logging.getLogger(__name__)

Committed = Callable[[CommitReport], None]  # one batch has committed: what it stored


class Writer(Protocol):
    """Stores each batch in one transaction, in the order put; `committed` runs after COMMIT.

    After a StoreError (`on_fatal`, once) nothing more is committed or reported.
    """

    ready: threading.Event  # set once the history is open (or failed to open)

    def start(self, on_fatal: Callable[[StoreError], None]) -> None: ...

    def put(self, batch: Batch, committed: Committed) -> None: ...

    def pending(self) -> int:
        """Batches put and not yet committed (or dropped after a failure)."""
        ...

    def stop(self) -> None:
        """Commit what was put, then end; what failed stays unacknowledged."""
        ...

    def is_alive(self) -> bool: ...


class WriterBase:
    """What both writers keep (where, which decoders, whether events come back) and how
    they fail: once, however many of their threads hit the error."""

    def __init__(
        self, db_path: Path, mappings: Sequence[FieldMapping] = (), *, with_events: bool = True
    ) -> None:
        self._db_path = db_path
        self._mappings = tuple(mappings)
        self._with_events = with_events
        self._on_fatal: Callable[[StoreError], None] = lambda exc: None
        self._failed = threading.Event()
        self._failing = threading.Lock()
        self.ready = threading.Event()  # set once the history is open (or failed to open)

    def _fail(self, exc: StoreError) -> None:
        with self._failing:
            if self._failed.is_set():
                return
            self._failed.set()
        log.error("cannot write the history: %s", exc)
        self._on_fatal(exc)
