"""The services' consumer-group lag, sampled beside the queue samples while `collect` reads Kafka.

Each round reads the lag of the groups the cluster's settings name (kafka/lag.py, admin reads
only) and stores one queue sample per group and topic in the history's `queue_samples`: queue
`kafka:GROUP/TOPIC`, vhost `kafka:CLUSTER`, `messages_ready` the group's lag over the topic's
partitions, `consumers` its members, source `kafka`. So the dashboard charts a group's lag
beside the queue depths, and the queue alert kinds apply as they are: `queue_depth` on
`kafka:GROUP/TOPIC` is "lag above N for T seconds", `no_consumers` "no active members". A
broker that reports a group's state but not its members (Tansu) counts one member while the
state says someone consumes. A group that cannot be read gives no sample this round: its
figures go stale, and stale figures neither fire nor clear alerts.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.kafka.lag import GroupLag, LagReader
from opsdesk.store.errors import StoreError
from opsdesk.store.queue_sample_store import QueueSampleStore

log = logging.getLogger(__name__)


def lag_queue(group: str, topic: str) -> str:
    """The queue name a group's lag on a topic is sampled under."""
    return f"kafka:{group}/{topic}"


def lag_samples(cluster: str, lags: list[GroupLag]) -> list[QueueSample]:
    """One sample per group and topic of what could be read."""
    samples = []
    for lag in lags:
        if lag.problem is not None:
            continue
        by_topic: dict[str, int] = defaultdict(int)
        for partition in lag.partitions:
            by_topic[partition.partition.topic] += partition.lag or 0
        consumers = lag.members or (1 if lag.active else 0)
        taken_at = lag.read_at.astimezone(UTC).isoformat(timespec="milliseconds")
        for topic, behind in sorted(by_topic.items()):
            samples.append(
                QueueSample(
                    taken_at=taken_at.replace("+00:00", "Z"),
                    vhost=f"kafka:{cluster}",
                    queue=lag_queue(lag.group, topic),
                    messages_ready=behind,
                    messages_unacked=None,
                    consumers=consumers,
                    publish_rate=None,
                    deliver_rate=None,
                    ack_rate=None,
                    is_dead_letter=False,
                    source="kafka",
                )
            )
    return samples


class LagSampler:
    """Samples every `interval` seconds on a thread of its own, until stop()."""

    def __init__(
        self,
        settings: KafkaSettings,
        db_path: Path,
        interval: float,
        on_samples: Callable[[list[QueueSample]], None] | None = None,
    ) -> None:
        """`on_samples`: each stored round, from the sampler's thread (the window's
        dashboard appends it live, as it does the queue monitor's rounds)."""
        self._settings = settings
        self._db_path = db_path
        self._interval = interval
        self._on_samples = on_samples
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kafka-lag-sampler")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def sample_once(self, reader: LagReader, store: QueueSampleStore) -> list[QueueSample]:
        lags = reader.read(list(self._settings.consumer_groups))
        for lag in lags:
            if lag.problem is not None:
                log.warning("kafka lag of %s: %s", lag.group, lag.problem)
        samples = lag_samples(self._settings.name, lags)
        store.add(samples)
        if samples and self._on_samples is not None:
            self._on_samples(samples)
        return samples

    def _run(self) -> None:
        reader = LagReader(self._settings, timeout=min(10.0, max(1.0, self._interval)))
        try:
            with QueueSampleStore(self._db_path) as store:
                while not self._stopping.is_set():
                    self.sample_once(reader, store)
                    self._stopping.wait(self._interval)
        except StoreError as exc:  # the history is the collector's to report; lag is extra
            log.error("kafka lag sampling stopped: %s", exc)
