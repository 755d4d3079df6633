"""The lag of the services' consumer groups: their committed offsets against the partitions' ends.

Read with the admin client only (describe, committed offsets, ListOffsets latest): nothing
joins the groups or touches their offsets. A group's partitions are those it committed
offsets for and those its members are assigned; a partition without a committed offset has
no lag to tell (where the group would start depends on its own auto.offset.reset).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.kafka.client_config import admin_config
from opsdesk.kafka.failure_text import describe_kafka_failure
from opsdesk.kafka.partitions import PartitionId

TIMEOUT = 10.0  # seconds for each answer
# Group states in which members are in the group (librdkafka's names, lower case).
_ACTIVE_STATES = {"stable", "preparing_rebalancing", "completing_rebalancing"}


@dataclass(frozen=True, slots=True)
class PartitionLag:
    partition: PartitionId
    committed: int | None  # the group's next offset to read; None: it committed none here
    end: int  # the offset the partition's next record will get

    @property
    def lag(self) -> int | None:
        return None if self.committed is None else max(0, self.end - self.committed)


@dataclass(frozen=True, slots=True)
class GroupLag:
    """One group as read at `read_at`; `problem` says why it could not be read."""

    group: str
    read_at: datetime
    state: str = "unknown"  # stable, empty, dead, preparing_rebalancing, ...
    members: int = 0  # members the cluster reports (some brokers report none: see `active`)
    partitions: tuple[PartitionLag, ...] = ()
    problem: str | None = None

    @property
    def total(self) -> int:
        return sum(p.lag or 0 for p in self.partitions)

    @property
    def active(self) -> bool:
        """Someone consumes for the group: members, or a state only members give it."""
        return self.members > 0 or self.state in _ACTIVE_STATES

    @property
    def known(self) -> bool:
        """The cluster knows the group: it has members or committed offsets."""
        return self.active or any(p.committed is not None for p in self.partitions)


class LagReader:
    """Reads the lag of groups on one cluster; one admin client, reused between reads."""

    def __init__(self, settings: KafkaSettings, timeout: float = TIMEOUT) -> None:
        self._settings = settings
        self._admin = AdminClient(admin_config(settings))
        self._timeout = timeout

    def read(self, groups: list[str]) -> list[GroupLag]:
        """Each group's lag; a group that cannot be read says why, the others still read."""
        return [self._read_one(group) for group in groups]

    def _read_one(self, group: str) -> GroupLag:
        read_at = datetime.now(UTC)
        try:
            admin, wait = self._admin, self._timeout
            asked = [ConsumerGroupTopicPartitions(group)]
            described = admin.describe_consumer_groups([group], request_timeout=wait)
            description = described[group].result(timeout=wait)
            offsets = admin.list_consumer_group_offsets(asked, request_timeout=wait)
            committed_offsets = offsets[group].result(timeout=wait)
            committed = {
                PartitionId(tp.topic, tp.partition): tp.offset
                for tp in committed_offsets.topic_partitions
                if tp.offset >= 0
            }
            assigned = {
                PartitionId(tp.topic, tp.partition)
                for member in description.members
                if member.assignment is not None
                for tp in member.assignment.topic_partitions
            }
            ends = self._ends(sorted(committed.keys() | assigned))
        except (KafkaException, TimeoutError) as exc:
            problem = describe_kafka_failure(exc, self._settings.where())
            return GroupLag(group, read_at, problem=problem)
        partitions = tuple(PartitionLag(p, committed.get(p), end) for p, end in ends.items())
        state = getattr(description.state, "name", str(description.state)).lower()
        return GroupLag(group, read_at, state, len(description.members), partitions)

    def _ends(self, partitions: list[PartitionId]) -> dict[PartitionId, int]:
        if not partitions:
            return {}
        asked = {TopicPartition(p.topic, p.partition): OffsetSpec.latest() for p in partitions}
        answers = self._admin.list_offsets(asked, request_timeout=self._timeout)
        return {
            PartitionId(tp.topic, tp.partition): future.result(timeout=self._timeout).offset
            for tp, future in answers.items()
        }
