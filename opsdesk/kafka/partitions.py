"""The partitions a cluster's settings name, read from the cluster's metadata; their ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from opsdesk.config.kafka_settings import KafkaSettings


@dataclass(frozen=True, slots=True, order=True)
class PartitionId:
    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}/{self.partition}"

    def at(self, offset: int) -> TopicPartition:
        return TopicPartition(self.topic, self.partition, offset)


@dataclass(frozen=True, slots=True)
class TopicReading:
    """What the cluster has of what the settings name."""

    partitions: tuple[PartitionId, ...]  # sorted by topic, then partition
    missing: tuple[str, ...] = ()  # named topics the cluster does not have (yet)


def read_partitions(client: Any, settings: KafkaSettings, timeout: float) -> TopicReading:
    """Every partition of the topics `settings` reads; `client` is a Consumer or an
    AdminClient (both answer list_topics). Raises KafkaException when it cannot be read."""
    metadata = client.list_topics(timeout=timeout)
    found: list[PartitionId] = []
    present: set[str] = set()
    for name, topic in metadata.topics.items():
        if topic.error is not None or not settings.matches(name):
            continue
        present.add(name)
        found.extend(PartitionId(name, number) for number in topic.partitions)
    missing = tuple(t for t in settings.topics if t not in present)
    return TopicReading(tuple(sorted(found)), missing)


def watermarks(consumer: Consumer, partition: PartitionId, timeout: float) -> tuple[int, int]:
    """(the first offset the partition retains, the offset its next record will get), asked of
    the partition's leader. Raises KafkaException when it cannot be read."""
    low, high = consumer.get_watermark_offsets(partition.at(0), timeout=timeout, cached=False)
    return low, high


def missing_text(missing: tuple[str, ...]) -> str:
    """Appended to what the operator reads about a source."""
    if not missing:
        return ""
    return f" (no topic {', '.join(missing)} yet: read once it exists)"
