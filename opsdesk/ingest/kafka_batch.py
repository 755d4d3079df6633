"""Kafka records into batches of one partition each, every batch ending at its last offset.

A batch reads from one log only (source.py's Position), and a Kafka partition is a log: its
name in the history is `kafka:CLUSTER/TOPIC/PARTITION`, where CLUSTER is the profile's name
for the cluster, so two clusters with a topic of the same name keep apart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from confluent_kafka import Message

from opsdesk.events.model import RawMessage
from opsdesk.ingest.kafka_message import record_raw_message
from opsdesk.kafka.partitions import PartitionId
from opsdesk.store.source_positions import Position


def kafka_log(cluster: str, partition: PartitionId) -> str:
    """A partition's log name in the history: stable across runs and desks."""
    return f"kafka:{cluster}/{partition.topic}/{partition.partition}"


@dataclass(slots=True)
class KafkaBatch:
    """Records of one partition, stored in one transaction: a Batch with its position.

    A batch may hold no record: a new desk's first batch says where it starts reading (so a
    crash before the first record still resumes there), and a backfill's last batch may
    only say it has reached where the live reader started.
    """

    partition: PartitionId
    reader: str  # "live", or "backfill"
    records: list[Message] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    end: Position | None = None  # set when the batch is set aside

    @property
    def position(self) -> Position | None:
        return self.end

    def __len__(self) -> int:
        return len(self.records)

    def raw_messages(self) -> Iterator[RawMessage]:
        return map(record_raw_message, self.records)


class BatchFiller:
    """Records of any partition into per-partition batches; one reader's, one thread's.

    A batch set aside is never added to: the position it carries covers exactly what the
    writer stores.
    """

    def __init__(self, cluster: str, reader: str, batch_size: int) -> None:
        self._cluster = cluster
        self.reader = reader
        self._batch_size = batch_size
        self._filling: dict[PartitionId, KafkaBatch] = {}
        self._full: list[KafkaBatch] = []
        self.backfill_from: str | None = None  # a backfill's request, as its batches name it
        self._finish_before: dict[PartitionId, int] = {}  # backfill: where live started
        self.finished: set[PartitionId] = set()  # backfill: its last batch is set aside
        self._not_before: dict[PartitionId, int] = {}  # backfill from a time: its epoch ms

    def add(self, partition: PartitionId, record: Message) -> bool:
        """Put `record` in its partition's batch; False when a backfill already has it all."""
        end = self._finish_before.get(partition)
        offset = record.offset() or 0
        if end is not None and offset >= end:
            return False
        not_before = self._not_before.get(partition)
        if not_before is not None:
            if record.timestamp()[1] < not_before:
                if end is not None and offset >= end - 1:
                    self._set_aside(partition, done=True)
                return True  # read, and left out: from before the time asked for
            del self._not_before[partition]
        batch = self._filling.get(partition)
        if batch is None:
            batch = self._filling[partition] = KafkaBatch(partition, self.reader)
        batch.records.append(record)
        if end is not None and offset >= end - 1:
            self._set_aside(partition, done=True)
        elif len(batch.records) >= self._batch_size:
            self._set_aside(partition)
        return True

    def not_before(self, partition: PartitionId, millis: int) -> None:
        """Leave out the partition's first records until one is from `millis` or later: what
        a broker's answer to "the first offset from that time" may start before (Tansu
        answers 0 for a partition with nothing that recent, where Apache Kafka answers -1)."""
        self._not_before[partition] = millis

    def finish_before(self, partition: PartitionId, live_start: int) -> None:
        """A backfill's partition ends before `live_start`: the live reader has the rest."""
        self._finish_before[partition] = live_start

    def mark(self, partition: PartitionId, offset: int, done: bool = False) -> None:
        """A batch without records that moves the position to `offset` (see KafkaBatch)."""
        self._set_aside(partition, done=done, offset=offset)

    def take_full(self, interval: float) -> list[KafkaBatch]:
        """The batches set aside so far, and those filling for `interval` seconds or more."""
        now = time.monotonic()
        for partition, batch in list(self._filling.items()):
            if now - batch.started >= interval:
                self._set_aside(partition)
        full, self._full = self._full, []
        return full

    def take_all(self) -> list[KafkaBatch]:
        """Every batch, the filling ones too: the reader stops."""
        for partition in list(self._filling):
            self._set_aside(partition)
        full, self._full = self._full, []
        return full

    def drop(self, partition: PartitionId) -> None:
        """Forget what was read of `partition` and not set aside (it is read again)."""
        self._filling.pop(partition, None)

    def _set_aside(self, partition: PartitionId, done: bool = False, offset: int = -1) -> None:
        batch = self._filling.pop(partition, None)
        if batch is None:
            batch = KafkaBatch(partition, self.reader)
        elif batch.records:
            offset = batch.records[-1].offset() or 0
        if done:
            offset = self._finish_before[partition] - 1
            self.finished.add(partition)
        log = kafka_log(self._cluster, partition)
        batch.end = Position(log, offset, self.backfill_from, done)
        self._full.append(batch)
