"""The writer a tap hands its batches to: decode, commit in order, report each commit.

Two implement it: ThreadWriter (thread_writer.py: decode and commit on two threads of this
process) and ProcessWriter (process_writer.py: commits in a child process). Whoever builds
a tap injects one; writer_choice.py holds the profile's choice between them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from opsdesk.ingest.commit_report import CommitReport
from opsdesk.ingest.source import Batch
from opsdesk.store.errors import StoreError

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
