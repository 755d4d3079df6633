"""Where a payment replay sends a request, when Kafka is involved: the topic, or a refusal.

A request the history holds from Kafka (exchange `kafka:TOPIC`) goes back to Kafka: to its
cluster's `replay_topic` when the `[[profiles.X.kafka]]` table names one, else to the topic it
was read from. It never goes to RabbitMQ unless the operator chose a RabbitMQ destination for
this run: the profile's `[profiles.X.replay]` exchange or queue is the RabbitMQ payments'
destination, and a request from a topic sent there would reach consumers that never saw that
payment's earlier events (so that combination is refused, with why). A request from RabbitMQ
is never produced to Kafka: it has no record key to keep its payment's ordering.

The cluster is the one whose table reads the topic; a topic no table (or several) reads is
refused, since the desk cannot tell where to produce it.
"""

from __future__ import annotations

from collections.abc import Sequence

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.config.replay_settings import ReplaySettings
from opsdesk.operations.payment_history import PaymentStep
from opsdesk.operations.plan import KAFKA_PREFIX, Destination


def from_kafka(exchange: str) -> bool:
    """Whether a stored event was read from a Kafka topic."""
    return exchange.startswith(KAFKA_PREFIX)


def cluster_reading(
    topic: str, clusters: Sequence[KafkaSettings]
) -> tuple[KafkaSettings | None, str | None]:
    """(the one cluster whose table reads `topic`, None) or (None, why there is not one)."""
    reading = [c for c in clusters if c.matches(topic)]
    if len(reading) == 1:
        return reading[0], None
    if not reading:
        return None, (
            f"no [[kafka]] table of the profile reads topic {topic!r}, so the desk cannot tell "
            "which cluster to produce its replay to"
        )
    names = ", ".join(repr(c.name) for c in reading)
    return None, f"topic {topic!r} is read by several Kafka clusters ({names}): cannot tell which"


def replay_target(
    step: PaymentStep,
    settings: ReplaySettings,
    clusters: Sequence[KafkaSettings],
    chosen: Destination | None = None,
) -> tuple[Destination, str | None]:
    """(where the replay of `step` goes, why it may not go there or None)."""
    kafka_request = from_kafka(step.exchange)
    if chosen is not None:
        if chosen.is_kafka and not kafka_request:
            return chosen, (
                f"{step.type} {step.event_id} came from RabbitMQ: a RabbitMQ request is not "
                "produced to Kafka (it has no record key to keep its payment's order)"
            )
        return chosen, None
    if not kafka_request:
        return _rabbitmq_default(step, settings), None
    topic = step.exchange.removeprefix(KAFKA_PREFIX)
    cluster, unknown = cluster_reading(topic, clusters)
    if cluster is None:
        return Destination(step.exchange, ""), unknown
    if cluster.replay_topic is not None:
        return Destination.kafka_topic(cluster.name, cluster.replay_topic), None
    if settings.queue or settings.exchange is not None:
        profile_choice = _rabbitmq_default(step, settings)
        refusal = (
            f"its request came from Kafka topic {topic!r}, and the profile's replay destination "
            f"({profile_choice.describe()}) is on RabbitMQ: a Kafka request goes to RabbitMQ "
            "only when chosen for this replay; to replay to Kafka, set replay_topic in the "
            f"[[kafka]] table {cluster.name!r} (or choose the topic)"
        )
        return profile_choice, refusal
    return Destination.kafka_topic(cluster.name, topic), None


def _rabbitmq_default(step: PaymentStep, settings: ReplaySettings) -> Destination:
    """The profile's replay destination, else where the request came from (RabbitMQ's rule)."""
    if settings.queue:
        return Destination.queue(settings.queue)
    if settings.exchange is not None:
        return Destination(settings.exchange, settings.routing_key or step.routing_key)
    return Destination(step.exchange, step.routing_key)
