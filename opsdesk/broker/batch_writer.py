"""Decode and store delivery batches on two threads, in order, and report each commit.

Decoding is Python work that holds the GIL; SQLite releases the GIL while it writes. On two
threads the decode of one batch overlaps the commit of the previous one, which is what lets
ingest keep pace with pika (see benchmarks/ingest.py).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from opsdesk.broker.deliveries import DeliveryBatch, to_raw_message
from opsdesk.events.decode import decode_many
from opsdesk.events.mapping import FieldMapping
from opsdesk.events.model import PaymentEvent
from opsdesk.store.event_store import EventStore, InsertResult, StoreError

log = logging.getLogger(__name__)

_STOP = object()
Committed = Callable[[DeliveryBatch, InsertResult], None]


class BatchWriter:
    """`put()` batches; `on_committed` runs on the writer thread after each COMMIT."""

    def __init__(
        self,
        db_path: Path,
        on_committed: Committed,
        on_fatal: Callable[[StoreError], None],
        mappings: Sequence[FieldMapping] = (),
    ) -> None:
        self._db_path = db_path
        self._mappings = tuple(mappings)
        self._on_committed = on_committed
        self._on_fatal = on_fatal
        self._to_decode: queue.Queue[DeliveryBatch | object] = queue.Queue()
        self._to_store: queue.Queue[tuple[DeliveryBatch, list[PaymentEvent]] | object]
        self._to_store = queue.Queue()
        self._failed = threading.Event()
        self.ready = threading.Event()  # set once the history is open (or failed to open)
        self._decoder = threading.Thread(target=self._decode_forever, name="tap-decoder")
        self._writer = threading.Thread(target=self._store_forever, name="tap-writer")

    def start(self) -> None:
        self._writer.start()
        self._decoder.start()

    def put(self, batch: DeliveryBatch) -> None:
        self._to_decode.put(batch)

    def pending(self) -> int:
        """Batches handed over and not yet committed (or dropped after a failure)."""
        return self._to_decode.unfinished_tasks + self._to_store.unfinished_tasks

    def stop(self) -> None:
        """Finish what was handed over, then end both threads."""
        self._to_decode.put(_STOP)
        for thread in (self._decoder, self._writer):
            if thread.is_alive():
                thread.join()

    def is_alive(self) -> bool:
        return self._decoder.is_alive() or self._writer.is_alive()

    def _decode_forever(self) -> None:
        while True:
            item = self._to_decode.get()
            try:
                if item is _STOP:
                    self._to_store.put(_STOP)
                    return
                assert isinstance(item, DeliveryBatch)
                if not self._failed.is_set():
                    received_at = datetime.now(UTC).isoformat(timespec="milliseconds")
                    received_at = received_at.replace("+00:00", "Z")
                    events = [
                        event
                        for d in item.deliveries
                        for event in decode_many(to_raw_message(d), received_at, self._mappings)
                    ]
                    self._to_store.put((item, events))
            finally:
                self._to_decode.task_done()

    def _store_forever(self) -> None:
        try:
            store = EventStore(self._db_path)
        except StoreError as exc:
            self._fail(exc)
            store = None
        finally:
            self.ready.set()
        while True:
            item = self._to_store.get()
            try:
                if item is _STOP:
                    break
                if store is not None and not self._failed.is_set():
                    assert isinstance(item, tuple)
                    batch: DeliveryBatch = item[0]
                    events: list[PaymentEvent] = item[1]
                    self._on_committed(batch, store.insert_batch(events))
            except StoreError as exc:
                self._fail(exc)
            finally:
                self._to_store.task_done()
        if store is not None:
            store.close()

    def _fail(self, exc: StoreError) -> None:
        log.error("cannot write the history: %s", exc)
        self._failed.set()
        self._on_fatal(exc)
