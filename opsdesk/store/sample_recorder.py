"""Keeps what the queue monitor samples: a MonitorListener that stores and prunes rounds."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from opsdesk.events.timestamps import utc_iso
from opsdesk.store.errors import StoreError
from opsdesk.store.queue_sample_store import QueueSampleStore

if TYPE_CHECKING:
    from opsdesk.broker.queue_monitor import MonitorListener
    from opsdesk.broker.queue_sample import MonitorState, QueueInfo, QueueSample

log = logging.getLogger(__name__)

PRUNE_EVERY = 3600.0  # seconds between retention passes


class SampleRecorder:
    """Stores each round in `queue_samples`, then passes every callback on to `forward`.

    Called on the monitor's thread, so the store is opened there, on the first round.
    A store failure is logged and retried next round; it never stops the monitor.
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

    def on_state(self, state: MonitorState) -> None:
        if state.phase == "stopped":
            self.close()  # the monitor's last call, on its own thread: the store's thread
        if self._forward is not None:
            self._forward.on_state(state)

    def on_samples(self, samples: list[QueueSample]) -> None:
        try:
            store = self._open()
            store.add(samples)
            if time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + PRUNE_EVERY
                store.prune(utc_iso(datetime.now(UTC) - self._retention))
        except StoreError as exc:
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
