"""Before a replay to Kafka runs: does each destination topic exist on its cluster?

One metadata read per cluster (every topic listed: naming one topic could make a broker that
auto-creates topics create it). A topic that is missing, or a cluster that cannot be read, is
a refusal for the payments going there: nothing is produced to a topic the desk has not seen.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.kafka.client_config import admin_config
from opsdesk.kafka.failure_text import describe_kafka_failure
from opsdesk.operations.payment_replay import RouteVerdict
from opsdesk.operations.plan import Destination

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds for a cluster's metadata


def check_topics(
    clusters: Sequence[KafkaSettings], destinations: Iterable[Destination]
) -> dict[Destination, RouteVerdict]:
    """A verdict for each Kafka destination (the others are left out)."""
    wanted = [d for d in dict.fromkeys(destinations) if d.is_kafka]
    by_name = {c.name: c for c in clusters}
    topics: dict[str, set[str] | str] = {}  # by cluster: its topics, or why they are unknown
    verdicts = {}
    for destination in wanted:
        name = destination.kafka_cluster or ""
        if name not in topics:
            topics[name] = _topics(by_name[name]) if name in by_name else "no such cluster"
        known = topics[name]
        if isinstance(known, str):
            verdicts[destination] = RouteVerdict(refusal=known)
        elif destination.topic not in known:
            why = f"Kafka topic {destination.topic!r} does not exist on cluster {name!r}"
            verdicts[destination] = RouteVerdict(refusal=why)
        else:
            verdicts[destination] = RouteVerdict()
    return verdicts


def _topics(settings: KafkaSettings) -> set[str] | str:
    """The cluster's topics, or the sentence saying why they cannot be read."""
    try:
        metadata = AdminClient(admin_config(settings)).list_topics(timeout=TIMEOUT)
    except KafkaException as exc:
        log.info("kafka %s: topics not read: %s", settings.name, exc)
        return describe_kafka_failure(exc, settings.where())
    return {name for name, topic in metadata.topics.items() if topic.error is None}
