"""Decode and store batches on two threads of this process, in order; report each commit.

The decode of one batch overlaps the commit of the previous one (SQLite releases the GIL
while it steps). Decoding in a child process instead measured between +10% and nothing on
two cores, for +60 MB, and was removed (issue 10).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from opsdesk.events.mapping import FieldMapping
from opsdesk.events.model import PaymentEvent
from opsdesk.foreground import Foreground
from opsdesk.ingest.commit_report import report_of
from opsdesk.ingest.decoding import decode_batch
from opsdesk.ingest.source import Batch, Position
from opsdesk.ingest.writer import Committed, WriterBase
from opsdesk.store.checkpointer import WalCheckpointer
from opsdesk.store.event_store import EventStore, StoreError
from opsdesk.thread_priority import lower_this_thread

_STOP = object()


class ThreadWriter(WriterBase):
    """A Writer; `committed` runs on the writer thread after each COMMIT.

    The writer checkpoints nothing itself: a WalCheckpointer thread does, so no commit (and
    no ack) waits for pages to be copied back into the history file.
    """

    def __init__(
        self,
        db_path: Path,
        mappings: Sequence[FieldMapping] = (),
        *,
        with_events: bool = True,
        foreground: Foreground | None = None,
    ) -> None:
        """`foreground`: the window's UI thread; both threads run below its priority and give
        way to it when it is late, between events while decoding and between commits."""
        super().__init__(db_path, mappings, with_events=with_events)
        self._foreground = foreground
        self._to_decode: queue.Queue[tuple[Batch, Committed] | object] = queue.Queue()
        self._to_store: queue.Queue[tuple[list[PaymentEvent], Position | None, Committed] | object]
        self._to_store = queue.Queue()
        self._decoder = threading.Thread(target=self._decode_forever, name="tap-decoder")
        self._writer = threading.Thread(target=self._store_forever, name="tap-writer")

    def start(self, on_fatal: Callable[[StoreError], None]) -> None:
        self._on_fatal = on_fatal
        self._writer.start()
        self._decoder.start()

    def put(self, batch: Batch, committed: Committed) -> None:
        self._to_decode.put((batch, committed))

    def pending(self) -> int:
        """Batches put and not yet committed (or dropped after a failure)."""
        return self._to_decode.unfinished_tasks + self._to_store.unfinished_tasks

    def stop(self) -> None:
        """Finish what was put, then end both threads."""
        self._to_decode.put(_STOP)
        for thread in (self._decoder, self._writer):
            if thread.is_alive():
                thread.join()

    def is_alive(self) -> bool:
        return self._decoder.is_alive() or self._writer.is_alive()

    def _decode_forever(self) -> None:
        if self._foreground is not None:
            lower_this_thread()
        give_way = None if self._foreground is None else self._foreground.give_way
        try:
            while (item := self._to_decode.get()) is not _STOP:
                try:
                    assert isinstance(item, tuple)
                    batch, committed = item
                    if not self._failed.is_set():
                        events = decode_batch(batch, self._mappings, give_way)
                        self._to_store.put((events, batch.position, committed))
                finally:
                    # Only now, after the hand-over: `pending()` never reads 0 in between.
                    self._to_decode.task_done()
            self._to_decode.task_done()
        finally:
            self._to_store.put(_STOP)  # also after a bug, so the writer thread ends

    def _store_forever(self) -> None:
        if self._foreground is not None:
            lower_this_thread()
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
        # One transaction per batch, with its position when its source has one: measured into
        # a 1M-row history, merging waiting batches into 1,000- or 2,000-row transactions was
        # slower (~7k rows/s against ~12k).
        while True:
            item = self._to_store.get()
            try:
                if item is _STOP:
                    return
                if store is not None and not self._failed.is_set():
                    assert isinstance(item, tuple)
                    events, position, committed = item
                    if self._foreground is not None:
                        self._foreground.give_way()
                    result = store.insert_batch(events, position)
                    committed(report_of(result, self._with_events))
            except StoreError as exc:
                self._fail(exc)
            finally:
                self._to_store.task_done()
