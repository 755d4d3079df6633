""" "Dead-lettering" Kafka records: a copy of each to a dead-letter topic, named as such.

Kafka has no dead-letter exchange and a record cannot be taken off its topic: the records stay
where they are, and a copy of each goes to a dead-letter topic, `<topic>.dlq` unless the
operator names one, for whoever handles the dead letters. The copy is the stored record (value,
key, headers: the history's copy must be the original bytes, as for a replay) with headers
saying why, who, when and where from (`x-opsdesk-dead-letter-reason`, `-dead-lettered-by`,
`-dead-letter-from`, and `-dead-lettered-at` stamped when produced); it keeps its `message_id`
header, or gets the id the history stores the record under, so a desk that reads the
dead-letter topic stores the copy as the same event rather than a new one. It carries no
replay header: it is not a retry, and no payment's attempts count it.

Planned from the history's events (their ids), previewed and audited as `dead-letter` with
source `history`, produced like a replay (kafka_replay_sender.py: idempotent, acknowledged).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from opsdesk.config.kafka_settings import KafkaSettings, with_password
from opsdesk.events.model import PaymentEvent
from opsdesk.operations.history_lookup import events_by_id
from opsdesk.operations.kafka_replay_message import KEY, MESSAGE_ID_HEADERS, kafka_copy_problem
from opsdesk.operations.kafka_replay_route import cluster_reading, from_kafka
from opsdesk.operations.kafka_replay_topics import check_topics
from opsdesk.operations.plan import (
    KAFKA_PREFIX,
    Action,
    Destination,
    Plan,
    PlannedMessage,
    ReplayMessage,
    ReplaySpec,
)
from opsdesk.operations.replay import blocked_warnings, stored_copy_problem

SUFFIX = ".dlq"
DEAD_LETTER_REASON = "x-opsdesk-dead-letter-reason"
DEAD_LETTERED_BY = "x-opsdesk-dead-lettered-by"
DEAD_LETTER_FROM = "x-opsdesk-dead-letter-from"  # TOPIC/PARTITION@OFFSET of the original
METHOD = (
    "copy each record (value, key, headers) to the dead-letter topic with an idempotent "
    "producer; the records stay on their topic (Kafka takes none away)"
)


def dead_letter_topic(topic: str, chosen: str | None = None) -> str:
    return chosen or f"{topic}{SUFFIX}"


def read_kafka_dead_letter_plan(
    db_path: Path,
    profile_name: str,
    clusters: Sequence[KafkaSettings],
    event_ids: Sequence[str],
    *,
    operator: str,
    reason: str,
    topic: str | None = None,
) -> Plan:
    """Read the events from the history and the topics from their clusters, and plan."""
    found = events_by_id(db_path, list(dict.fromkeys(event_ids)))
    clusters = [with_password(profile_name, c) for c in clusters]
    targets = [dead_letter_target(e, clusters, topic) for e in found.values()]
    verdicts = check_topics(clusters, [t for t in targets if t is not None])
    return plan_kafka_dead_letter(
        list(found.values()),
        clusters,
        operator=operator,
        reason=reason,
        topic=topic,
        topic_refusals={d: v.refusal for d, v in verdicts.items()},
        unknown_event_ids=[i for i in event_ids if i not in found],
    )


def plan_kafka_dead_letter(
    events: Sequence[PaymentEvent],
    clusters: Sequence[KafkaSettings],
    *,
    operator: str,
    reason: str,
    topic: str | None = None,
    topic_refusals: Mapping[Destination, str | None] | None = None,
    unknown_event_ids: Sequence[str] = (),
) -> Plan:
    """Copies of `events` (read from Kafka) to their dead-letter topics; `topic_refusals`:
    why a destination may not be produced to (kafka_replay_topics.py), by destination."""
    items: list[PlannedMessage] = []
    messages: list[ReplayMessage] = []
    for event in dict((e.event_id, e) for e in events).values():
        target, refusal = _target(event, clusters, topic)
        if refusal is None and target is not None and topic_refusals:
            refusal = topic_refusals.get(target)
        refusal = refusal or stored_copy_problem(event) or kafka_copy_problem(event)
        item = PlannedMessage(event.event_id, target, event_id=event.event_id, refusal=refusal)
        items.append(item)
        if refusal is None and target is not None:
            messages.append(_copy(event, target, operator, reason))
    for event_id in unknown_event_ids:
        items.append(
            PlannedMessage(event_id, None, event_id=event_id, refusal="not in the history")
        )
    return Plan(
        action=Action.DEAD_LETTER,
        source="history",
        destinations=tuple(dict.fromkeys(i.destination for i in items if i.destination)),
        count=len(items),
        count_is_exact=True,
        method=METHOD,
        spec=ReplaySpec(tuple(messages), reason),
        items=tuple(items),
        warnings=blocked_warnings(items, "record"),
    )


def dead_letter_target(
    event: PaymentEvent, clusters: Sequence[KafkaSettings], topic: str | None = None
) -> Destination | None:
    """Where `event`'s copy goes (None: it cannot be dead-lettered to Kafka)."""
    return _target(event, clusters, topic)[0]


def _target(
    event: PaymentEvent, clusters: Sequence[KafkaSettings], topic: str | None
) -> tuple[Destination | None, str | None]:
    if not from_kafka(event.exchange):
        return None, "not a Kafka record: dead-letter a RabbitMQ message from its queue"
    source = event.exchange.removeprefix(KAFKA_PREFIX)
    cluster, why = cluster_reading(source, clusters)
    if cluster is None:
        return None, why
    return Destination.kafka_topic(cluster.name, dead_letter_topic(source, topic)), None


def _copy(event: PaymentEvent, target: Destination, operator: str, reason: str) -> ReplayMessage:
    headers: dict[str, Any] = json.loads(event.headers or "{}")
    if not any(name in headers for name in MESSAGE_ID_HEADERS):
        headers["message_id"] = event.event_id
    source = event.exchange.removeprefix(KAFKA_PREFIX)
    headers.update(
        {
            DEAD_LETTER_REASON: reason,
            DEAD_LETTERED_BY: operator,
            DEAD_LETTER_FROM: f"{source}/{event.routing_key}",
        }
    )
    stored = json.loads(event.properties or "{}")
    properties = {"message_id": event.event_id, KEY: stored.get(KEY)}
    body = event.body.encode("utf-8", errors="surrogatepass")
    return ReplayMessage(event.event_id, target, body, properties, headers)
