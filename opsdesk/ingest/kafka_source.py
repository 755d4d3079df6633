"""The Kafka source: a cluster's topics, every partition from where this desk's history ends.

The desk reads each partition by assignment with a consumer of its own (kafka_reader.py): it
never joins the payment services' consumer groups, commits nothing, and takes nothing from
anyone. Each batch holds records of one partition and ends at its last offset, which the
writer stores in the batch's own transaction (store/source_positions.py, log
`kafka:CLUSTER/TOPIC/PARTITION`); the source asks the history where each partition ends when
it first meets it, and reads on from the next offset, so a restart, a reconnection or a
SIGKILL loses and doubles nothing.

Where a partition starts when the history holds nothing of it: a new desk starts at each
partition's end (what is produced from now on; a backfill reads what came before), and says
so at once with a batch without records, so a crash before the first record still resumes
there. A partition met later (a topic created, partitions added) is read from its start.

When the cluster no longer has what the history holds (its data lost, a topic deleted and
created again), the partition is not read and the source says so in one sentence: reading on
from the new records at offsets the history already holds would skip them, and reading them
under the old positions would mix two logs.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from confluent_kafka import KafkaException

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.ingest.backfill_progress import BackfillProgress
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.kafka_backfill import KafkaBackfill
from opsdesk.ingest.kafka_batch import BatchFiller, KafkaBatch, kafka_log
from opsdesk.ingest.kafka_notes import PartitionNotes
from opsdesk.ingest.kafka_reader import PartitionReader
from opsdesk.ingest.source import Position, SourceUnavailable
from opsdesk.kafka.failure_text import describe_kafka_failure
from opsdesk.kafka.partitions import (
    PartitionId,
    TopicReading,
    missing_text,
    read_partitions,
    watermarks,
)
from opsdesk.store.source_positions import LogPositions

LIVE, BACKFILL = "live", "backfill"
OPEN_TIMEOUT = 10.0  # seconds for the cluster's metadata and offsets when opening
METADATA_EVERY = 30.0  # seconds between looks for new topics and partitions
MISSING_EVERY = 2.0  # ... while a topic the settings name is missing
CHECK_EVERY = 2.0  # seconds between looks at the partitions' ends (offsets going back)
# Looks in a row a partition must be seen going back before its leader is asked: a new leader
# may report a high watermark behind the old one's for a moment after a failover.
CHECKS_TO_CONFIRM = 3
LIVE_BATCHES_IN_FLIGHT = 4  # in batch sizes: records handed out and not yet committed
BACKFILL_BATCHES_IN_FLIGHT = 2  # live batches wait behind at most these in the writer

HeldPositions = Callable[[Sequence[str]], dict[str, LogPositions]]


class KafkaSource:
    """Source[KafkaBatch] over one cluster's topics; `held` reads the history's positions."""

    def __init__(self, settings: KafkaSettings, held: HeldPositions) -> None:
        self._settings = settings
        self._held = held
        size = settings.batch_size
        live = BatchFiller(settings.name, LIVE, size)
        self._live = PartitionReader(settings, live, size * LIVE_BATCHES_IN_FLIGHT)
        self._backfill: KafkaBackfill | None = None
        self._backfill_reader: PartitionReader | None = None
        self._live_start: dict[PartitionId, int] = {}  # where this run's live reader began
        self._notes = PartitionNotes()
        self._held_back = self._notes.held_back  # not read: the cluster went back
        self._suspect: dict[PartitionId, int] = {}  # seen going back, looks in a row
        self._missing: tuple[str, ...] = ()
        self._opened_once = False
        self._cancelled = False
        self._next_metadata = self._next_check = 0.0

    # -- Source -----------------------------------------------------------------------

    def describe(self) -> str:
        detail = f"kafka {self._settings.where()} ({self._settings.reads()})"
        return detail + self._notes.text() + missing_text(self._missing)

    def open(self) -> None:
        with self._kafka_failures():
            self._live.open()
            reading = self._first_reading()
            self._missing = reading.missing
            held = self._held([kafka_log(self._settings.name, p) for p in reading.partitions])
            self._attach(reading.partitions, held)
            if not self._opened_once:
                self._backfill = self._pending_backfill(reading.partitions, held)
            self._open_backfill(held)
            self._opened_once = True
            every = MISSING_EVERY if self._missing else METADATA_EVERY
            self._next_metadata = time.monotonic() + every

    def deliver(self, timeout: float) -> list[KafkaBatch]:
        with self._kafka_failures():
            self._sort_out_trouble()
            if self._cancelled:
                self._live.wait_for_commit(timeout)  # the tap drains: nothing to do but wait
                return []
            backfill = self._backfill_reader
            if backfill is not None and backfill.assigned:
                self._live.poll(timeout / 2)
                backfill.poll(timeout / 2)
            else:
                self._live.poll(timeout)
            now = time.monotonic()
            if now >= self._next_check:
                self._next_check = now + CHECK_EVERY
                self._check_ends()
            if now >= self._next_metadata:
                self._look_for_new_partitions()
                self._next_metadata = now + (MISSING_EVERY if self._missing else METADATA_EVERY)
            batches = self._live.take_full(self._settings.batch_interval)
            if backfill is not None:
                batches += backfill.take_full(self._settings.batch_interval)
                for partition in list(backfill.filler.finished & backfill.assigned):
                    backfill.unassign(partition)
        return batches

    def cancel(self) -> list[KafkaBatch]:
        """Read no more: the batches not yet delivered, partial ones too. What arrives after
        is never stored; the positions say where to read it again."""
        self._cancelled = True
        batches = self._live.take_all()
        if self._backfill_reader is not None:
            batches += self._backfill_reader.take_all()
        return batches

    def acknowledge(self, batch: KafkaBatch) -> None:
        """Nothing goes back to Kafka: the position committed with the batch is the record."""
        if batch.reader == LIVE:
            self._live.committed(batch)
            return
        if self._backfill_reader is not None:
            self._backfill_reader.committed(batch)
        if self._backfill is not None:
            self._backfill.committed(batch)

    def close(self) -> None:
        self._live.close()
        if self._backfill_reader is not None:
            self._backfill_reader.close()

    def position(self) -> Position | None:
        return None  # one position per partition: no single one says how far it has come

    def backfill_progress(self) -> BackfillProgress | None:
        """The backfill's progress over every partition; None when none is pending."""
        return None if self._backfill is None else self._backfill.progress()

    # -- where each partition is read from --------------------------------------------

    def _attach(self, partitions: Sequence[PartitionId], held: dict[str, LogPositions]) -> None:
        """Assign the partitions not read yet, each from where the history ends."""
        consumer, starts = self._live.consumer, {}
        for partition in partitions:
            if partition in self._held_back or partition in self._live.assigned:
                continue
            low, high = watermarks(consumer, partition, OPEN_TIMEOUT)
            after = held.get(kafka_log(self._settings.name, partition), LogPositions()).live
            start = self._live.next.get(partition, None if after is None else after + 1)
            if start is None:
                # A new desk reads from now on; a partition that appeared since, from its start.
                start = low if self._opened_once else high
            elif start < low:
                self._notes.expired(partition, LIVE, start, low)
                start = low
            if after is None:
                # Stored with nothing before it in the writer's queue but this run's batches,
                # which commit first (or stop the writer): never past what is stored.
                self._live.filler.mark(partition, start - 1)
            self._live_start.setdefault(partition, start)
            starts[partition] = start
        self._live.assign(starts)

    def _first_reading(self) -> TopicReading:
        """The cluster's partitions, asked a second at a time: a client that cannot go on
        (no broker answers, credentials refused) says so within a second, not OPEN_TIMEOUT."""
        deadline = time.monotonic() + OPEN_TIMEOUT
        consumer = self._live.consumer
        while True:
            try:
                return read_partitions(consumer, self._settings, 1.0)
            except KafkaException:
                consumer.poll(0)  # serves librdkafka's error callback
                if self._live.trouble.down is not None or time.monotonic() >= deadline:
                    raise

    def _look_for_new_partitions(self) -> None:
        reading = read_partitions(self._live.consumer, self._settings, OPEN_TIMEOUT)
        self._missing = reading.missing
        new = [p for p in reading.partitions if p not in self._live.assigned]
        new = [p for p in new if p not in self._held_back]
        if new:
            self._attach(new, self._held([kafka_log(self._settings.name, p) for p in new]))

    def _check_ends(self) -> None:
        """Partitions whose end went below where the history is, seen in a row and then
        confirmed by their leader, are held back."""
        seen = dict(self._live.went_back())
        self._suspect = {p: self._suspect.get(p, 0) + 1 for p in seen}
        for partition, looks in list(self._suspect.items()):
            if looks < CHECKS_TO_CONFIRM:
                continue
            del self._suspect[partition]
            _low, high = watermarks(self._live.consumer, partition, OPEN_TIMEOUT)
            if high < self._live.next[partition]:
                self._hold_back(partition, min(high, seen[partition]))

    def _sort_out_trouble(self) -> None:
        """What the consumers reported: a client that cannot go on, offsets out of range."""
        readers = [self._live]
        if self._backfill_reader is not None:
            readers.append(self._backfill_reader)
        for reader in readers:
            trouble = reader.trouble
            if trouble.down is not None:
                where = self._settings.where()
                raise SourceUnavailable(describe_kafka_failure(trouble.down, where))
            for partition in sorted(trouble.missing):
                self._notes.gone(partition)
            trouble.missing.clear()
            out_of_range, trouble.out_of_range = sorted(trouble.out_of_range), set()
            for partition in out_of_range:
                self._out_of_range(reader, partition)

    def _out_of_range(self, reader: PartitionReader, partition: PartitionId) -> None:
        """The broker refused the next offset: records expired, or the partition went back."""
        low, high = watermarks(reader.consumer, partition, OPEN_TIMEOUT)
        wanted = reader.next[partition]
        reader.unassign(partition)
        if wanted > high:
            self._hold_back(partition, high)
            return
        start = wanted
        if wanted < low:
            self._notes.expired(partition, reader.filler.reader, wanted, low)
            start = low
        reader.assign({partition: start})

    def _hold_back(self, partition: PartitionId, end: int) -> None:
        wanted = self._live.next.get(partition, end)
        self._live.unassign(partition)
        if self._backfill_reader is not None:
            self._backfill_reader.unassign(partition)
        self._notes.hold_back(partition, end, wanted)

    # -- backfill ---------------------------------------------------------------------

    def _pending_backfill(
        self, partitions: Sequence[PartitionId], held: dict[str, LogPositions]
    ) -> KafkaBackfill | None:
        """The request the history holds for these partitions (kafka_collect records it for
        every partition). Two different ones pending: the one most partitions hold now; the
        others wait for a run that asks for them again."""
        pending = [positions.backfill for positions in held.values() if positions.backfill]
        if not pending:
            return None
        record, _count = Counter(p.start for p in pending).most_common(1)[0]
        return KafkaBackfill(BackfillStart.from_record(record))

    def _open_backfill(self, held: dict[str, LogPositions]) -> None:
        backfill = self._backfill
        if backfill is None:
            return
        if self._backfill_reader is None:
            filler = BatchFiller(self._settings.name, BACKFILL, self._settings.batch_size)
            filler.backfill_from = backfill.record
            in_flight = self._settings.batch_size * BACKFILL_BATCHES_IN_FLIGHT
            self._backfill_reader = PartitionReader(self._settings, filler, in_flight)
            resume = self._backfill_resume(held, backfill.record)
            reader = self._backfill_reader
            reader.open()
            starts = backfill.starts(reader.consumer, resume, self._live_start)
            for partition, after in resume.items():
                filler.finish_before(partition, self._live_start[partition])
                if after is None and backfill.start.since is not None:
                    filler.not_before(partition, int(backfill.start.since.timestamp() * 1000))
            for partition in backfill.finished():
                filler.mark(partition, 0, done=True)
            reader.next.update(starts)
        else:
            self._backfill_reader.open()
        reader = self._backfill_reader
        skip = reader.filler.finished | self._held_back.keys()
        reader.assign({p: offset for p, offset in reader.next.items() if p not in skip})

    def _backfill_resume(
        self, held: dict[str, LogPositions], record: str
    ) -> dict[PartitionId, int | None]:
        """For each partition live reads with this request pending: its last offset stored."""
        resume: dict[PartitionId, int | None] = {}
        for partition in self._live_start:
            pending = held.get(kafka_log(self._settings.name, partition), LogPositions()).backfill
            if pending is not None and pending.start == record:
                resume[partition] = pending.offset
        return resume

    @contextmanager
    def _kafka_failures(self) -> Iterator[None]:
        try:
            yield
        except KafkaException as exc:
            raise SourceUnavailable(describe_kafka_failure(exc, self._settings.where())) from exc
