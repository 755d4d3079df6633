"""Where an exact-record replay (`opsdesk replay --event-id`) of a Kafka record goes.

A record the history holds from Kafka (exchange `kafka:TOPIC`) is produced back to Kafka, as a
payment replay's request is (kafka_replay_route.py): to its cluster's `replay_topic` when the
table names one, else to the topic it was read from (then to the original's partition). The
operator may choose another destination for the run: a RabbitMQ one sends the stored body as
a RabbitMQ replay does. The profile's `[profiles.X.replay]` destination plays no part, as for
a RabbitMQ event replay. Refused: a topic no table (or several) reads, a key or header that
was not UTF-8; the destination topic must exist (kafka_replay_topics.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from opsdesk.config.kafka_settings import KafkaSettings, with_password
from opsdesk.events.model import PaymentEvent
from opsdesk.operations.kafka_replay_message import kafka_copy_problem
from opsdesk.operations.kafka_replay_route import cluster_reading, from_kafka
from opsdesk.operations.kafka_replay_topics import check_topics
from opsdesk.operations.plan import KAFKA_PREFIX, Destination

RABBITMQ_TO_KAFKA = (
    "it came from RabbitMQ: a RabbitMQ message is not produced to Kafka (it has no record key "
    "to keep its payment's order)"
)
KafkaTargets = dict[str, tuple[Destination, str | None]]  # event id -> (where, why not)


def profile_kafka_targets(
    profile_name: str,
    clusters: Sequence[KafkaSettings],
    events: Sequence[PaymentEvent],
    chosen: Destination | None = None,
) -> KafkaTargets:
    """kafka_event_targets with the profile's clusters; the keyring is asked (for a SASL
    cluster) only when a Kafka record, or a chosen Kafka topic, is involved."""
    if not any(from_kafka(e.exchange) for e in events) and not (chosen and chosen.is_kafka):
        return {}
    with_passwords = [with_password(profile_name, c) for c in clusters]
    return kafka_event_targets(events, with_passwords, chosen)


def kafka_event_targets(
    events: Iterable[PaymentEvent],
    clusters: Sequence[KafkaSettings],
    chosen: Destination | None = None,
) -> KafkaTargets:
    """Where each Kafka record of `events` goes (every event, to a chosen Kafka topic), and
    why it may not; the others are left out."""
    targets: KafkaTargets = {}
    to_kafka = chosen is None or chosen.is_kafka
    for event in events:
        if not to_kafka or not (from_kafka(event.exchange) or chosen is not None):
            continue
        if chosen is None:
            target, refusal = _own_target(event, clusters)
        elif not from_kafka(event.exchange):
            target, refusal = chosen, RABBITMQ_TO_KAFKA
        else:
            target, refusal = chosen, None
        targets[event.event_id] = (target, refusal or kafka_copy_problem(event))
    verdicts = check_topics(clusters, [t for t, why in targets.values() if why is None])
    return {
        event_id: (target, why or (verdicts[target].refusal if target in verdicts else None))
        for event_id, (target, why) in targets.items()
    }


def _own_target(
    event: PaymentEvent, clusters: Sequence[KafkaSettings]
) -> tuple[Destination, str | None]:
    topic = event.exchange.removeprefix(KAFKA_PREFIX)
    cluster, unknown = cluster_reading(topic, clusters)
    if cluster is None:
        return Destination(event.exchange, ""), unknown
    return Destination.kafka_topic(cluster.name, cluster.replay_topic or topic), None
