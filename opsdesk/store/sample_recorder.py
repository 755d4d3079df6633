"""Keeps what the queue monitor samples: a MonitorListener that stores and prunes rounds."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from opsdesk.events.timestamps import utc_iso
from opsdesk.store.errors import StoreError, is_busy
from opsdesk.store.queue_sample_store import QueueSampleStore

if TYPE_CHECKING:
    from opsdesk.broker.queue_monitor import MonitorListener
    from opsdesk.broker.queue_sample import MonitorState, QueueInfo, QueueSample

log = logging.getLogger(__name__)

PRUNE_EVERY = 3600.0  # seconds between retention passes
MAX_UNSAVED = 5_000  # samples kept for the next round while the history is locked


class SampleRecorder:
    """Stores each round in `queue_samples`, then passes every callback on to `forward`.

    Called on the monitor's thread, so the store is opened there, on the first round.
    A store failure is logged and retried next round, with the samples it could not keep
    (the last MAX_UNSAVED of them); it never stops the monitor.
    """

    def __init__(
        self,
        path: str | Path,
        retention_days: int = 30,
        forward: MonitorListener | None = None,
    ) -> None:
        self._path = Path(path)
        self._retention = timedelta(days=retention_days)
        self._forward = forward
        self._store: QueueSampleStore | None = None
        self._next_prune = 0.0
        self._unsaved: list[QueueSample] = []

    def on_state(self, state: MonitorState) -> None:
        if state.phase == "stopped":
            self.close()  # the monitor's last call, on its own thread: the store's thread
        if self._forward is not None:
            self._forward.on_state(state)

    def on_samples(self, samples: list[QueueSample]) -> None:
        # A tap draining a backlog can hold the write lock past the busy timeout: the round's
        # samples then wait for the next (queue-depth alerts and charts read them back).
        self._unsaved = [*self._unsaved, *samples][-MAX_UNSAVED:]
        try:
            store = self._open()
            store.add(self._unsaved)
            self._unsaved = []
            if time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + PRUNE_EVERY
                store.prune(utc_iso(datetime.now(UTC) - self._retention))
        except StoreError as exc:
            if is_busy(exc):
                log.info("queue samples wait for the history: %s", exc)
            else:
                self._unsaved = []
                log.warning("cannot keep queue samples: %s", exc)
                self.close()
        if self._forward is not None:
            self._forward.on_samples(samples)

    def on_queue_list(self, queues: list[QueueInfo]) -> None:
        if self._forward is not None:
            self._forward.on_queue_list(queues)

    def close(self) -> None:
        """Close the store; called on the monitor's thread when it reports it has stopped."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def _open(self) -> QueueSampleStore:
        if self._store is None:
            self._store = QueueSampleStore(self._path)
        return self._store
