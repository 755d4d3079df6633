"""A topic's records at an offset or a time, read without consuming anything.

A consumer of the desk's own assigns the partitions at the asked place and reads up to each
partition's end as it was when the browse started (or `limit` records of each); it commits
nothing and joins no group (client_config.py), so nobody's offsets move and no one else's
records go missing: browsing a topic is only a read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from confluent_kafka import Consumer, KafkaException, Message

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.kafka.client_config import reader_config
from opsdesk.kafka.partitions import PartitionId, watermarks

TIMEOUT = 10.0  # seconds for the topic's metadata and offsets
EARLIEST = "earliest"
BrowseStart = int | datetime | str  # an offset (in each partition), a time, or EARLIEST


@dataclass(frozen=True, slots=True)
class RecordPage:
    """The records read, by partition then offset, and where each partition stood."""

    topic: str
    records: tuple[Message, ...]
    starts: dict[PartitionId, int]  # the first offset asked of each partition
    ends: dict[PartitionId, int]  # each partition's end when the browse began
    complete: bool  # False: the time limit ended it before every partition was read


def read_records(
    settings: KafkaSettings,
    topic: str,
    start: BrowseStart,
    partition: int | None = None,
    limit: int = 100,
    time_limit: float = 10.0,
) -> RecordPage:
    """Up to `limit` records of each partition (or of `partition`) from `start`. Raises
    KafkaException when the topic or its offsets cannot be read; ValueError for no topic."""
    consumer = Consumer(reader_config(settings, "browse"))
    try:
        partitions = _partitions(consumer, topic, partition)
        ends = {p: watermarks(consumer, p, TIMEOUT) for p in partitions}
        starts = _starts(consumer, partitions, start, ends)
        not_before = int(start.timestamp() * 1000) if isinstance(start, datetime) else -1
        last = {p: ends[p][1] for p in partitions}
        records, complete = _read(consumer, starts, last, not_before, limit, time_limit)
        return RecordPage(topic, records, starts, {p: e[1] for p, e in ends.items()}, complete)
    finally:
        consumer.close()


def _partitions(consumer: Consumer, topic: str, partition: int | None) -> list[PartitionId]:
    metadata = consumer.list_topics(topic, timeout=TIMEOUT).topics.get(topic)
    if metadata is None or metadata.error is not None:
        raise ValueError(f"the cluster has no topic {topic!r}")
    numbers = sorted(metadata.partitions)
    if partition is not None:
        if partition not in numbers:
            raise ValueError(f"topic {topic!r} has no partition {partition} ({len(numbers)})")
        numbers = [partition]
    return [PartitionId(topic, number) for number in numbers]


def _starts(
    consumer: Consumer,
    partitions: list[PartitionId],
    start: BrowseStart,
    ends: dict[PartitionId, tuple[int, int]],
) -> dict[PartitionId, int]:
    """Where each partition is read from, within what it retains."""
    if isinstance(start, datetime):
        millis = int(start.timestamp() * 1000)
        found = consumer.offsets_for_times([p.at(millis) for p in partitions], timeout=TIMEOUT)
        at = {PartitionId(tp.topic, tp.partition): tp.offset for tp in found}
        # -1: nothing that recent, so nothing to show in that partition.
        return {p: at[p] if at[p] >= 0 else ends[p][1] for p in partitions}
    if start == EARLIEST:
        return {p: ends[p][0] for p in partitions}
    if isinstance(start, int):
        return {p: min(max(start, ends[p][0]), ends[p][1]) for p in partitions}
    raise ValueError(f"a browse starts at an offset, a time or {EARLIEST!r}, not {start!r}")


def _read(
    consumer: Consumer,
    starts: dict[PartitionId, int],
    ends: dict[PartitionId, int],
    not_before: int,
    limit: int,
    time_limit: float,
) -> tuple[tuple[Message, ...], bool]:
    """Each partition up to its end or `limit`; from a time (`not_before`, epoch ms), its
    first records before that time are left out (a broker may answer an earlier offset)."""
    got: dict[PartitionId, list[Message]] = {p: [] for p in starts}
    waiting = {p for p, offset in starts.items() if offset < ends[p]}
    if waiting:
        consumer.assign([p.at(starts[p]) for p in waiting])
    deadline = time.monotonic() + time_limit
    while waiting and time.monotonic() < deadline:
        for record in consumer.consume(500, 0.2):
            if record.error() is not None:
                raise KafkaException(record.error())
            partition = PartitionId(record.topic() or "", record.partition() or 0)
            if partition in waiting:
                offset = record.offset() or 0
                if got[partition] or record.timestamp()[1] >= not_before:
                    got[partition].append(record)
                if offset + 1 >= ends[partition] or len(got[partition]) >= limit:
                    waiting.discard(partition)
    records = tuple(r for p in sorted(got) for r in got[p])
    return records, not waiting
