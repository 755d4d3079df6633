"""One librdkafka consumer of a Kafka source (the live reader, or a backfill's), by assignment.

It never subscribes: partitions are assigned at the offsets the source chooses, so it joins
no group and moves no group's offsets (kafka/client_config.py). What it reads goes into
per-partition batches (kafka_batch.py); it stops fetching while too many records it handed
out wait for their commit, so a slow history holds back at most that many, plus librdkafka's
own bounded queue.

It watches for the broker's offsets going back: the high watermark each fetch brings back,
kept by librdkafka, below the next offset to read means the partition lost records the
history holds (a broker that lost its data, a topic deleted and created again). Nothing of it
is read then; the source says so (kafka_source.py). An offset out of range (Apache Kafka's
answer to a fetch past the end, or before the first retained record) is reported the same way
for the source to sort out, never turned into a jump by librdkafka.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from confluent_kafka import Consumer, KafkaError, KafkaException

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.ingest.kafka_batch import BatchFiller, KafkaBatch
from opsdesk.kafka.client_config import reader_config
from opsdesk.kafka.partitions import PartitionId

log = logging.getLogger(__name__)

CONSUME_MAX = 500  # records one consume() call may return
_OUT_OF_RANGE = (KafkaError._AUTO_OFFSET_RESET, KafkaError.OFFSET_OUT_OF_RANGE)
_CLIENT_DOWN = (
    KafkaError._ALL_BROKERS_DOWN,
    KafkaError._AUTHENTICATION,
    KafkaError.SASL_AUTHENTICATION_FAILED,
    KafkaError._SSL,
    KafkaError._FATAL,
)


@dataclass(slots=True)
class ReaderTrouble:
    """What the consumer reported since it was last asked (consumer thread only)."""

    down: KafkaError | None = None  # the client cannot go on: the source reconnects
    out_of_range: set[PartitionId] = field(default_factory=set)
    missing: set[PartitionId] = field(default_factory=set)  # topic or partition gone


class PartitionReader:
    """A consumer and its batches; all but `committed` run on the source's consumer thread."""

    def __init__(self, settings: KafkaSettings, filler: BatchFiller, max_in_flight: int) -> None:
        self._settings = settings
        self.filler = filler
        self._max_in_flight = max_in_flight  # records handed out and not yet committed
        self._consumer: Consumer | None = None
        # The next offset to hand out, by partition: kept across reconnections, where it is
        # read from again (what was read and not handed out is read again).
        self.next: dict[PartitionId, int] = {}
        self.assigned: set[PartitionId] = set()
        self.trouble = ReaderTrouble()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._room = threading.Condition(self._lock)

    @property
    def consumer(self) -> Consumer:
        assert self._consumer is not None, "the reader is not open"
        return self._consumer

    def open(self) -> Consumer:
        config = reader_config(self._settings, self.filler.reader)
        self._consumer = Consumer({**config, "error_cb": self._on_error})
        self.trouble = ReaderTrouble()
        with self._lock:
            self._in_flight = 0  # batches of the last connection no longer hold it back
        return self._consumer

    def assign(self, starts: dict[PartitionId, int]) -> None:
        if starts:
            self.consumer.incremental_assign([p.at(offset) for p, offset in starts.items()])
            self.next.update(starts)
            self.assigned.update(starts)

    def unassign(self, partition: PartitionId) -> None:
        """Stop reading `partition`; what was read of it and not set aside is forgotten."""
        if partition in self.assigned:
            self.assigned.discard(partition)
            self.consumer.incremental_unassign([partition.at(0)])
        self.filler.drop(partition)

    def poll(self, timeout: float) -> None:
        """Fetch what there is, up to `timeout` seconds, while the history keeps up."""
        with self._room:
            room = self._max_in_flight - self._in_flight
            if room <= 0 or not self.assigned:
                self._room.wait(timeout)
                return
        for record in self.consumer.consume(min(room, CONSUME_MAX), timeout):
            error = record.error()
            partition = PartitionId(record.topic() or "", record.partition() or 0)
            if error is not None:
                self._on_record_error(partition, error)
            elif partition in self.assigned:  # not one unassigned meanwhile
                self.filler.add(partition, record)

    def take_full(self, interval: float) -> list[KafkaBatch]:
        """The batches ready to store, counted in flight until their commit."""
        return self._hand_out(self.filler.take_full(interval))

    def take_all(self) -> list[KafkaBatch]:
        return self._hand_out(self.filler.take_all())

    def wait_for_commit(self, timeout: float) -> None:
        """Wait until a batch commits, at most `timeout` seconds."""
        with self._room:
            self._room.wait(timeout)

    def committed(self, batch: KafkaBatch) -> None:
        """`batch` has committed (the writer's thread)."""
        with self._room:
            self._in_flight = max(0, self._in_flight - len(batch))
            self._room.notify_all()

    def went_back(self) -> list[tuple[PartitionId, int]]:
        """Partitions whose end, as the last fetch saw it, is below the next offset to read:
        (partition, that end). Read from librdkafka's cache: no request to the broker."""
        found = []
        for partition in self.assigned:
            _low, high = self.consumer.get_watermark_offsets(partition.at(0), cached=True)
            if 0 <= high < self.next[partition]:
                found.append((partition, high))
        return found

    def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        self.filler.take_all()  # never handed out: read again from `next`
        self.assigned.clear()
        if consumer is not None:
            try:
                consumer.close()  # no group joined, no offset stored: it only disconnects
            except (KafkaException, RuntimeError) as exc:
                log.debug("kafka reader: closing failed: %s", exc)

    def _hand_out(self, batches: list[KafkaBatch]) -> list[KafkaBatch]:
        for batch in batches:
            if batch.end is not None and batch.partition in self.assigned:
                self.next[batch.partition] = batch.end.offset + 1
        records = sum(len(batch) for batch in batches)
        if records:
            with self._room:
                self._in_flight += records
        return batches

    def _on_record_error(self, partition: PartitionId, error: KafkaError) -> None:
        code = error.code()
        if code in _OUT_OF_RANGE:
            self.trouble.out_of_range.add(partition)
        elif code in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_PARTITION):
            self.trouble.missing.add(partition)
        elif code in _CLIENT_DOWN:
            self.trouble.down = error
        else:
            log.warning("kafka reader: %s: %s", partition, error.str())

    def _on_error(self, error: KafkaError) -> None:
        # librdkafka's error callback, run inside consume() on this thread.
        if error.code() in _CLIENT_DOWN or error.fatal():
            self.trouble.down = error
        else:
            log.info("kafka reader: %s", error.str())
