"""A Kafka source's backfill: each partition from a time or its earliest retained record up to
where the live reader started, and the progress of all of them together.

The request is recorded in the history for every partition before anything is read
(kafka_history.record_backfills), so a desk stopped in the middle resumes each partition after
the last offset its backfill stored. Its end does not move: the offset at which this run's live
reader started in that partition (it has everything from there). Its progress is what the
window and `collect` show for a stream (ingest/backfill_progress.py), counted in records over
all the partitions: `first` is 0 and `target` the number of records to read, less one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from confluent_kafka import Consumer

from opsdesk.ingest.backfill_progress import BackfillProgress
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.kafka_batch import KafkaBatch
from opsdesk.kafka.partitions import PartitionId, watermarks

TIMEOUT = 10.0  # seconds for the offsets a backfill starts from


@dataclass(frozen=True, slots=True)
class _Span:
    first: int  # the first offset read in this run
    target: int  # the last offset to store (the live reader has the rest)
    reached: int  # the last offset stored (first - 1: nothing yet)
    done: bool = False


class KafkaBackfill:
    """One request over a source's partitions; thread-safe (the writer's thread reports)."""

    def __init__(self, start: BackfillStart) -> None:
        self.start = start
        self.record = start.record()  # how its batches and the history name the request
        self._lock = threading.Lock()
        self._spans: dict[PartitionId, _Span] = {}
        self._stored = 0

    def describe(self) -> str:
        if self.start.since is None:
            return "the earliest offset each partition retains"
        return self.start.describe()

    def starts(
        self,
        consumer: Consumer,
        resume: dict[PartitionId, int | None],
        live: dict[PartitionId, int],
    ) -> dict[PartitionId, int]:
        """Where each partition's backfill reads from: after what it stored (`resume`), else
        from its start; a partition whose start is at or past where live started is left out
        (planned as done). Raises KafkaException when the offsets cannot be read."""
        by_time = self._offsets_at_time(
            consumer, [p for p, after in resume.items() if after is None]
        )
        starts: dict[PartitionId, int] = {}
        for partition, after in resume.items():
            low, _high = watermarks(consumer, partition, TIMEOUT)
            begin = after + 1 if after is not None else by_time.get(partition, low)
            begin = max(begin, low)  # what expired meanwhile is gone for every reader
            target = live[partition] - 1
            with self._lock:
                self._spans[partition] = _Span(begin, target, begin - 1, begin > target)
            if begin <= target:
                starts[partition] = begin
        return starts

    def finished(self) -> list[PartitionId]:
        """Partitions with nothing to read: their backfill ends with an empty batch."""
        with self._lock:
            return [p for p, span in self._spans.items() if span.done]

    def committed(self, batch: KafkaBatch) -> None:
        end = batch.end
        if end is None or end.backfill_from != self.record:
            return  # an earlier request's batch
        with self._lock:
            span = self._spans.get(batch.partition)
            if span is not None:
                self._spans[batch.partition] = replace(
                    span, reached=max(span.reached, end.offset), done=end.backfill_done
                )
            self._stored += len(batch)

    def progress(self) -> BackfillProgress:
        with self._lock:
            spans = list(self._spans.values())
            stored = self._stored
        total = sum(max(0, s.target - s.first + 1) for s in spans)
        read = sum(max(0, min(s.reached, s.target) - s.first + 1) for s in spans)
        done = bool(spans) and all(s.done for s in spans)
        return BackfillProgress(self.describe(), 0, read - 1, total - 1, stored, done)

    def _offsets_at_time(
        self, consumer: Consumer, partitions: list[PartitionId]
    ) -> dict[PartitionId, int]:
        """The first offset at or after the start's time, per partition; a partition with
        nothing that recent starts at its end (offsets_for_times answers -1)."""
        since = self.start.since
        if since is None or not partitions:
            return {}
        millis = int(since.timestamp() * 1000)
        found = consumer.offsets_for_times([p.at(millis) for p in partitions], timeout=TIMEOUT)
        offsets: dict[PartitionId, int] = {}
        for answer in found:
            partition = PartitionId(answer.topic, answer.partition)
            if answer.offset >= 0:
                offsets[partition] = answer.offset
            else:
                offsets[partition] = watermarks(consumer, partition, TIMEOUT)[1]
        return offsets
