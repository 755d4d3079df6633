"""The Source protocol as the tap runs it, held by an in-memory source and a real SQLite file.

`MemorySource` is a test double of the protocol (source.py), not of a broker: it delivers
messages held in a list, in batches, and checks, each time a batch is acknowledged, that
another connection to the history already sees every event of it. That the classic tap
satisfies the same protocol is checked statically: mypy (tests/test_code_quality.py) checks
that ingest/source_choice.py returns a ClassicTapSource or a StreamTapSource as a Source.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from opsdesk.events.model import RawMessage
from opsdesk.ingest.process_writer import ProcessWriter
from opsdesk.ingest.source import Position, SourceUnavailable
from opsdesk.ingest.tap import Tap
from opsdesk.ingest.tap_state import TapPhase
from opsdesk.ingest.thread_writer import ThreadWriter
from opsdesk.ingest.writer import Writer
from opsdesk.store.errors import StoreError
from tests.ingest.test_tap import Recorder, native_event

WRITERS: dict[str, Callable[[Path], Writer]] = {
    "thread-writer": ThreadWriter,
    "process-writer": ProcessWriter,
}


def message(i: int) -> RawMessage:
    return RawMessage(
        body=native_event(i),
        exchange="payments.events",
        routing_key="payment.succeeded",
        properties={"message_id": f"m-{i}"},
    )


@dataclass(frozen=True)
class MemoryBatch:
    first: int  # index of its first message in the source
    messages: tuple[RawMessage, ...]

    @property
    def position(self) -> Position | None:
        return None

    def __len__(self) -> int:
        return len(self.messages)

    def raw_messages(self) -> Iterator[RawMessage]:
        return iter(self.messages)


@dataclass(frozen=True)
class Acknowledged:
    first: int
    size: int
    committed: int  # how many of its events another connection saw at that moment


class MemorySource:
    """Source[MemoryBatch]: full batches from deliver(), the partial rest from cancel()."""

    def __init__(self, count: int, batch_size: int, db: Path, failing_opens: int = 0) -> None:
        self._messages = [message(i) for i in range(count)]
        self._batch_size = batch_size
        self._db = db
        self._next = 0
        self._failing_opens = failing_opens
        self._cancelled = threading.Event()
        self.opened = self.closed = 0
        self.delivered_after_cancel = 0
        self.acknowledged: list[Acknowledged] = []

    def describe(self) -> str:
        return f"memory ({len(self._messages)} messages)"

    def open(self) -> None:
        if self._failing_opens:
            self._failing_opens -= 1
            raise SourceUnavailable("The memory is not there yet.")
        self.opened += 1

    def deliver(self, timeout: float) -> list[MemoryBatch]:
        if self._cancelled.is_set() or len(self._messages) - self._next < self._batch_size:
            self._cancelled.wait(timeout)  # as a broker connection waits for frames
            return []
        return [self._take(self._batch_size)]

    def cancel(self) -> list[MemoryBatch]:
        self._cancelled.set()
        rest = len(self._messages) - self._next
        return [self._take(rest)] if rest else []

    def acknowledge(self, batch: MemoryBatch) -> None:
        ids = [m.properties["message_id"] for m in batch.messages]
        with sqlite3.connect(f"file:{self._db}?mode=ro", uri=True) as history:
            marks = ",".join("?" * len(ids))
            (seen,) = history.execute(
                f"SELECT count(*) FROM events WHERE event_id IN ({marks})", ids
            ).fetchone()
        self.acknowledged.append(Acknowledged(batch.first, len(batch), seen))

    def close(self) -> None:
        self.closed += 1

    def position(self) -> Position | None:
        return None

    def _take(self, size: int) -> MemoryBatch:
        first = self._next
        self._next += size
        return MemoryBatch(first, tuple(self._messages[first : self._next]))


def run_tap(source: MemorySource, writer: Writer, until: int) -> tuple[Tap[MemoryBatch], Recorder]:
    recorder = Recorder()
    tap = Tap(source, writer, recorder)
    tap.start()
    try:
        recorder.wait_for(lambda: recorder.counters.stored >= until or tap.fatal_error is not None)
    finally:
        tap.stop()
    assert not tap.is_alive()
    return tap, recorder


def stored_count(db: Path) -> int:
    with sqlite3.connect(db) as history:
        (count,) = history.execute("SELECT count(*) FROM events").fetchone()
    return int(count)


@pytest.mark.parametrize("make_writer", WRITERS.values(), ids=WRITERS.keys())
def test_each_batch_is_acknowledged_in_order_after_its_commit(
    tmp_path: Path, make_writer: Callable[[Path], Writer]
) -> None:
    db = tmp_path / "history.sqlite"
    source = MemorySource(23, batch_size=5, db=db)
    _, recorder = run_tap(source, make_writer(db), until=20)
    # Four full batches while running, the last three messages handed back by cancel().
    acknowledged = [(a.first, a.size) for a in source.acknowledged]
    assert acknowledged == [(0, 5), (5, 5), (10, 5), (15, 5), (20, 3)]
    assert all(a.committed == a.size for a in source.acknowledged), source.acknowledged
    assert stored_count(db) == 23 and recorder.counters.received == 23
    assert [s.phase for s in recorder.states] == [
        TapPhase.CONNECTING,
        TapPhase.CONNECTED,
        TapPhase.STOPPED,
    ]
    assert recorder.states[1].detail == "memory (23 messages)"
    assert (source.opened, source.closed) == (1, 1)


def test_an_unavailable_source_is_retried_and_closed_each_time(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    source = MemorySource(10, batch_size=5, db=db, failing_opens=1)
    _, recorder = run_tap(source, ThreadWriter(db), until=10)
    reconnecting = [s for s in recorder.states if s.phase is TapPhase.RECONNECTING]
    assert [s.detail for s in reconnecting] == ["The memory is not there yet."]
    assert reconnecting[0].retry_in is not None and reconnecting[0].retry_in > 0
    assert (source.opened, source.closed) == (1, 2)  # closed after the failed open too
    assert [a.committed for a in source.acknowledged] == [5, 5]


def test_a_history_that_cannot_open_never_opens_the_source(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    db.write_bytes(b"this is not SQLite" * 100)
    source = MemorySource(10, batch_size=5, db=db)
    tap, recorder = run_tap(source, ThreadWriter(db), until=10)
    assert isinstance(tap.fatal_error, StoreError)
    assert source.opened == 0 and source.acknowledged == []
    assert recorder.states[-1].phase is TapPhase.STOPPED
