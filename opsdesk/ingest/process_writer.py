"""Commit in a child process, so SQLite's work does not share this process's GIL.

With this Writer the tap's process consumes, decodes and acks; one child process commits
(and checkpoints), with a GIL of its own. Decoded events cross as field tuples; what comes
back per batch is three counts, plus the stored events only when the listener shows them
(the window does, `collect` not). Acks still wait for the commit: the child reports each
batch after its COMMIT, in order.

Where decoding runs is the builder's choice. For `collect`, here: decoding in the child
measured no faster (the child was then the busy one, 80% of a core, and this process idled
at 30%). For the window, in the child (`decode_in_child`): this process is the UI's, and
every microsecond its tap threads hold the GIL is one the UI thread may wait at a timer or a
paint (benchmarks/ui_stall.py).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path

from opsdesk.events.mapping import FieldMapping
from opsdesk.events.model import RawMessage
from opsdesk.ingest.commit_report import CommitReport, report_of
from opsdesk.ingest.decoding import (
    EventFields,
    decode_fields,
    decode_messages,
    received_stamp,
    to_events,
)
from opsdesk.ingest.source import Batch, Position
from opsdesk.ingest.writer import Committed, WriterBase
from opsdesk.store.checkpointer import WalCheckpointer
from opsdesk.store.event_store import EventStore, StoreError
from opsdesk.thread_priority import lower_this_thread

log = logging.getLogger(__name__)

_STOP = object()
PARENT_CHECK_S = 0.5


class _Child:
    """The child's history connection and checkpointer; module state of the child only."""

    store: EventStore | None = None
    checkpointer: WalCheckpointer | None = None
    mappings: tuple[FieldMapping, ...] = ()


def _open(
    db_path: Path, parent: int, mappings: tuple[FieldMapping, ...] = (), *, below: bool = False
) -> None:
    """`below`: run at a lower CPU priority than the parent (the window's UI thread).

    Lowered before the checkpointer and the parent watch start: they inherit it."""
    if below:
        lower_this_thread()
    _Child.mappings = mappings
    _Child.store = EventStore(db_path, autocheckpoint=False)
    _Child.checkpointer = WalCheckpointer(db_path)
    _Child.checkpointer.start()
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this process once the tap's process is gone (killed -9: nobody will stop us).

    A batch being committed then is committed or rolled back; it was never acked either way,
    so the broker redelivers it and the store's identity check keeps it single.
    """
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    log.warning("the tap's process %d is gone; the history writer process ends", parent)
    os._exit(0)


def _store(fields: list[EventFields], position: Position | None, with_events: bool) -> CommitReport:
    assert _Child.store is not None, "the history is not open in this process"
    return report_of(_Child.store.insert_batch(to_events(fields), position), with_events)


def _decode_and_store(
    messages: list[RawMessage], received_at: str, position: Position | None, with_events: bool
) -> CommitReport:
    assert _Child.store is not None, "the history is not open in this process"
    events = decode_messages(messages, received_at, _Child.mappings)
    return report_of(_Child.store.insert_batch(events, position), with_events)


def _close() -> None:
    if _Child.checkpointer is not None:
        _Child.checkpointer.stop()
    if _Child.store is not None:
        _Child.store.close()
    _Child.store = _Child.checkpointer = None


class ProcessWriter(WriterBase):
    """A Writer whose commits run in a child; `committed` runs on the pool's result thread."""

    def __init__(
        self,
        db_path: Path,
        mappings: Sequence[FieldMapping] = (),
        *,
        with_events: bool = True,
        decode_in_child: bool = False,
    ) -> None:
        super().__init__(db_path, mappings, with_events=with_events)
        self._decode_in_child = decode_in_child
        self._batches: queue.Queue[tuple[Batch, Committed] | object] = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0
        self._thread = threading.Thread(target=self._run, name="tap-store-process")

    def start(self, on_fatal: Callable[[StoreError], None]) -> None:
        self._on_fatal = on_fatal
        self._thread.start()

    def put(self, batch: Batch, committed: Committed) -> None:
        with self._lock:
            self._pending += 1
        self._batches.put((batch, committed))

    def pending(self) -> int:
        """Batches put and not yet committed (or dropped after a failure)."""
        with self._lock:
            return self._pending

    def stop(self) -> None:
        """Commit what was put, then end the child and the thread."""
        self._batches.put(_STOP)
        if self._thread.is_alive():
            self._thread.join()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        # spawn, never fork: the parent has threads (and, in the app, Qt).
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        try:
            opened = self._open(pool)
            self.ready.set()
            self._submit_until_stopped(pool if opened else None)
        finally:
            self.ready.set()
            self._close(pool)

    def _open(self, pool: ProcessPoolExecutor) -> bool:
        try:
            mappings = self._mappings if self._decode_in_child else ()
            below = self._decode_in_child  # the window's writer: the UI comes first
            pool.submit(_open, self._db_path, os.getpid(), mappings, below=below).result()
            return True
        except StoreError as exc:
            self._fail(exc)
        except (BrokenProcessPool, OSError) as exc:
            self._fail(StoreError(f"cannot start the history writer process: {exc}"))
        return False

    def _submit_until_stopped(self, pool: ProcessPoolExecutor | None) -> None:
        while (item := self._batches.get()) is not _STOP:
            assert isinstance(item, tuple)
            batch, committed = item
            if pool is None or self._failed.is_set():
                self._done()
                continue
            try:
                future = self._submit(pool, batch)
            except BrokenProcessPool as exc:  # died with nothing in flight to report it
                self._fail(StoreError(f"the history writer process died: {exc}"))
                self._done()
                continue
            # One worker, FIFO: results arrive in submission order, so acks keep their order.
            future.add_done_callback(partial(self._on_result, committed))

    def _submit(self, pool: ProcessPoolExecutor, batch: Batch) -> Future[CommitReport]:
        if self._decode_in_child:
            messages = list(batch.raw_messages())
            stamp = received_stamp()  # when it arrived here, not when the child got to it
            return pool.submit(
                _decode_and_store, messages, stamp, batch.position, self._with_events
            )
        fields = decode_fields(batch, self._mappings)
        return pool.submit(_store, fields, batch.position, self._with_events)

    def _on_result(self, committed: Committed, future: Future[CommitReport]) -> None:
        try:
            if self._failed.is_set():
                return
            try:
                report = future.result()
            except StoreError as exc:
                self._fail(exc)
                return
            except BrokenProcessPool as exc:
                self._fail(StoreError(f"the history writer process died: {exc}"))
                return
            committed(report)
        finally:
            self._done()

    def _close(self, pool: ProcessPoolExecutor) -> None:
        try:
            pool.submit(_close).result()  # after every batch: the worker runs them in order
        except (BrokenProcessPool, OSError) as exc:
            log.warning("history writer process did not close cleanly: %s", exc)
        pool.shutdown(wait=True)

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1
