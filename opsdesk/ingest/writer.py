"""Which writer the tap hands its batches to: threads, or a child process that commits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from opsdesk.broker.deliveries import DeliveryBatch
from opsdesk.config import Profile
from opsdesk.ingest.commit_report import CommitReport
from opsdesk.ingest.process_writer import ProcessBatchWriter
from opsdesk.ingest.thread_writer import BatchWriter
from opsdesk.store.event_store import StoreError


class TapWriter(Protocol):
    """Decodes and commits batches in order; reports each commit, then the tap acks."""

    ready: threading.Event  # set once the history is open (or failed to open)

    def start(self) -> None: ...

    def put(self, batch: DeliveryBatch) -> None: ...

    def pending(self) -> int: ...

    def stop(self) -> None: ...

    def is_alive(self) -> bool: ...


def tap_writer(
    profile: Profile,
    db_path: Path,
    on_committed: Callable[[DeliveryBatch, CommitReport], None],
    on_fatal: Callable[[StoreError], None],
    with_events: bool,
) -> TapWriter:
    tap = profile.tap
    if tap.store_process:
        return ProcessBatchWriter(
            db_path, on_committed, on_fatal, profile.mappings, with_events=with_events
        )
    return BatchWriter(db_path, on_committed, on_fatal, profile.mappings, with_events=with_events)
