"""Decode and store delivery batches on two threads, in order, and report each commit.

The decode of one batch overlaps the commit of the previous one (SQLite releases the GIL
while it steps). Decoding is Python work that holds the GIL; with `decode_in_process` it
runs in a child process instead (decode_worker), which measured between +10% and nothing
on two cores, for +60 MB; if that process cannot start or dies, the decoder thread decodes
itself.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from opsdesk.broker.commit_report import CommitReport, report_of
from opsdesk.broker.decode_worker import DecodeProcess, EventFields, to_events, to_wire
from opsdesk.broker.deliveries import DeliveryBatch, received_stamp, to_raw_message
from opsdesk.events.decode import decode_many
from opsdesk.events.mapping import FieldMapping
from opsdesk.events.model import PaymentEvent
from opsdesk.store.checkpointer import WalCheckpointer
from opsdesk.store.event_store import EventStore, StoreError

log = logging.getLogger(__name__)

_STOP = object()
Committed = Callable[[DeliveryBatch, CommitReport], None]


class BatchWriter:
    """`put()` batches; `on_committed` runs on the writer thread after each COMMIT.

    The writer checkpoints nothing itself: a WalCheckpointer thread does, so no commit (and
    no ack) waits for pages to be copied back into the history file.
    """

    def __init__(
        self,
        db_path: Path,
        on_committed: Committed,
        on_fatal: Callable[[StoreError], None],
        mappings: Sequence[FieldMapping] = (),
        *,
        decode_in_process: bool = False,
        with_events: bool = True,
    ) -> None:
        self._db_path = db_path
        self._mappings = tuple(mappings)
        self._decode_in_process = decode_in_process
        self._with_events = with_events
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
        # At most two batches in the child at once: one decoding, one waiting, so the
        # child never idles between batches and order is kept by decoding FIFO.
        child = self._start_child()
        in_flight: deque[tuple[DeliveryBatch, str, Future[list[EventFields]] | None]] = deque()
        try:
            while True:
                item = self._to_decode.get()
                if item is _STOP:
                    while in_flight:
                        self._forward(*in_flight.popleft())
                    self._to_decode.task_done()
                    return
                assert isinstance(item, DeliveryBatch)
                received_at = received_stamp()
                future = None
                if child is not None and not self._failed.is_set():
                    future = child.submit([to_wire(d) for d in item.deliveries], received_at)
                in_flight.append((item, received_at, future))
                while in_flight and (len(in_flight) > 1 or self._to_decode.empty()):
                    self._forward(*in_flight.popleft())
        finally:
            self._to_store.put(_STOP)  # also after a bug, so the writer thread ends
            if child is not None:
                child.close()

    def _start_child(self) -> DecodeProcess | None:
        if not self._decode_in_process:
            return None
        try:
            return DecodeProcess(self._mappings)
        except OSError as exc:  # no processes allowed here: decode on this thread instead
            log.warning("decoding in-process: cannot start a decoder process (%s)", exc)
            return None

    def _forward(
        self,
        batch: DeliveryBatch,
        received_at: str,
        future: Future[list[EventFields]] | None,
    ) -> None:
        """Hand a decoded batch to the writer; counted as done for `pending()` only then."""
        try:
            if self._failed.is_set():
                return
            events: list[PaymentEvent] | None = None
            if future is not None:
                try:
                    events = to_events(future.result())
                except BrokenProcessPool as exc:
                    log.error("decoder process died (%s); decoding on this thread", exc)
            if events is None:
                events = [
                    event
                    for d in batch.deliveries
                    for event in decode_many(to_raw_message(d), received_at, self._mappings)
                ]
            self._to_store.put((batch, events))
        finally:
            self._to_decode.task_done()

    def _store_forever(self) -> None:
        try:
            store: EventStore | None = EventStore(self._db_path, autocheckpoint=False)
        except StoreError as exc:
            self._fail(exc)
            store = None
        finally:
            self.ready.set()
        checkpointer = WalCheckpointer(self._db_path)
        if store is not None:
            checkpointer.start()
        try:
            self._store_items(store)
        finally:
            checkpointer.stop()
            if store is not None:
                store.close()

    def _store_items(self, store: EventStore | None) -> None:
        # One transaction per batch: measured into a 1M-row history, merging waiting batches
        # into 1,000- or 2,000-row transactions was slower (~7k rows/s against ~12k).
        while True:
            item = self._to_store.get()
            try:
                if item is _STOP:
                    return
                if store is not None and not self._failed.is_set():
                    assert isinstance(item, tuple)
                    batch: DeliveryBatch = item[0]
                    events: list[PaymentEvent] = item[1]
                    report = report_of(store.insert_batch(events), self._with_events)
                    self._on_committed(batch, report)
            except StoreError as exc:
                self._fail(exc)
            finally:
                self._to_store.task_done()

    def _fail(self, exc: StoreError) -> None:
        log.error("cannot write the history: %s", exc)
        self._failed.set()
        self._on_fatal(exc)
