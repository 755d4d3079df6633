"""Producing a replay plan's Kafka records: an idempotent producer, each record acknowledged.

The producer is idempotent (enable.idempotence: librdkafka's retries never write a record
twice, and the records of one partition stay in the order produced) and waits for every
in-sync replica (acks=all) before a record counts as sent. Each record is stamped with the
time it is produced (x-opsdesk-replayed-at, as a RabbitMQ replay is; a dead-letter copy's
x-opsdesk-dead-lettered-at). A record goes to the partition its ReplayMessage names (back to
its own topic: the original's), else where its key hashes with murmur2, the Java client's
partitioner, as the payment services' producers place that key.

A delivery report is the confirm: DONE when the cluster acknowledged the record, FAILED with
the cluster's reason, UNCONFIRMED when no report came before the end (the record may or may
not have been written). A cancel stops before the next record; what was not produced is
SKIPPED. Every planned item ends with one outcome, in plan order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.events.replay_headers import REPLAY_OF, REPLAYED_AT
from opsdesk.kafka.client_config import common_config
from opsdesk.kafka.failure_text import describe_kafka_failure
from opsdesk.operations.kafka_replay_message import (
    DEAD_LETTERED_AT,
    KEY,
    PARTITION,
    header_pairs,
)
from opsdesk.operations.message_copy import utc_now_text
from opsdesk.operations.plan import (
    MessageOutcome,
    OutcomeStatus,
    PlannedMessage,
    ReplayMessage,
    RunOptions,
)

log = logging.getLogger(__name__)

DELIVERY_TIMEOUT = 15.0  # seconds for the last records' acknowledgements
UNCONFIRMED = (
    "produced, but the cluster did not acknowledge it in time: the record may or may not "
    "have been written (look for its message_id in the topic before replaying again)"
)


def producer_config(settings: KafkaSettings) -> dict[str, Any]:
    return {
        **common_config(settings, "replay"),
        "enable.idempotence": True,
        "acks": "all",
        "partitioner": "murmur2_random",
        "message.timeout.ms": int(DELIVERY_TIMEOUT * 1000),
        "linger.ms": 5,
    }


class _Run:
    """One cluster's records: outcomes by message index, from the delivery reports."""

    def __init__(self, messages: Sequence[ReplayMessage], keys: Sequence[str]) -> None:
        self.messages, self.keys = messages, keys
        self.sent_at: dict[int, str] = {}
        self.outcomes: dict[int, MessageOutcome] = {}

    def delivered(self, index: int, error: KafkaError | None, where: str) -> None:
        if error is None:
            self.outcomes[index] = self.outcome(index, OutcomeStatus.DONE, "")
        elif error.code() == KafkaError._MSG_TIMED_OUT:  # it may have been written all the same
            self.outcomes[index] = self.outcome(index, OutcomeStatus.UNCONFIRMED, UNCONFIRMED)
        else:
            self.failed(index, describe_kafka_failure(error, where))

    def failed(self, index: int, detail: str) -> None:
        self.outcomes[index] = self.outcome(index, OutcomeStatus.FAILED, detail)

    def outcome(self, index: int, status: OutcomeStatus, detail: str) -> MessageOutcome:
        message = self.messages[index]
        new_id = str(message.properties["message_id"])
        return MessageOutcome(
            self.keys[index], status, new_id, message.destination, detail, message.event_id,
            new_id if index in self.sent_at else None, message.payment_id,
            self.sent_at.get(index),
        )  # fmt: skip

    def ended(self) -> dict[str, MessageOutcome]:
        """Every message's outcome by its key (those without a report said as such)."""
        result = {}
        for index in range(len(self.messages)):
            outcome = self.outcomes.get(index)
            if outcome is None and index in self.sent_at:
                outcome = self.outcome(index, OutcomeStatus.UNCONFIRMED, UNCONFIRMED)
            elif outcome is None:
                why = "not sent: the replay was cancelled or stopped first"
                outcome = self.outcome(index, OutcomeStatus.SKIPPED, why)
            result[outcome.key] = outcome
        return result


def run_kafka_replay(
    clusters: Mapping[str, KafkaSettings],
    messages: Sequence[ReplayMessage],
    items: Sequence[PlannedMessage],
    options: RunOptions,
) -> tuple[dict[str, MessageOutcome], bool]:
    """Produce `messages` (Kafka destinations only); (their outcomes by item key, cancelled)."""
    keys = {i.event_id: i.key for i in items if i.event_id is not None and not i.blocked}
    outcomes: dict[str, MessageOutcome] = {}
    cancelled = False
    for name in dict.fromkeys(m.destination.kafka_cluster or "" for m in messages):
        mine = [m for m in messages if m.destination.kafka_cluster == name]
        run = _Run(mine, [keys.get(m.event_id, m.event_id) for m in mine])
        if not cancelled:
            cancelled = _produce_all(clusters[name], run, options)
        outcomes.update(run.ended())
    return outcomes, cancelled


def _produce_all(settings: KafkaSettings, run: _Run, options: RunOptions) -> bool:
    """Produce every record of one cluster, then wait for the reports (True when cancelled)."""
    producer = Producer(producer_config(settings))
    cancel, rate = options.cancel, options.rate_limit
    interval = 1.0 / rate if rate and rate > 0 else 0.0
    next_slot = time.monotonic()
    cancelled = False
    try:
        for index in range(len(run.messages)):
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            if interval:
                delay = next_slot - time.monotonic()
                if delay > 0:
                    producer.poll(delay)  # serves delivery reports while it waits
                next_slot = max(next_slot, time.monotonic() - interval) + interval
            _produce(producer, settings, run, index)
            producer.poll(0)
    finally:
        left = producer.flush(DELIVERY_TIMEOUT + 5)  # past message.timeout.ms: every report
        if left:
            log.warning("kafka %s: %d replayed record(s) not acknowledged", settings.name, left)
    return cancelled


def _produce(producer: Producer, settings: KafkaSettings, run: _Run, index: int) -> None:
    message = run.messages[index]
    sent_at = utc_now_text()
    stamp = REPLAYED_AT if REPLAY_OF in message.headers else DEAD_LETTERED_AT
    headers = header_pairs({**message.headers, stamp: sent_at})
    key = message.properties.get(KEY)
    extra: dict[str, Any] = {}
    if isinstance(partition := message.properties.get(PARTITION), int):
        extra["partition"] = partition
    where = f"{settings.where()} (topic {message.destination.topic!r})"

    def report(error: KafkaError | None, _record: Message) -> None:
        run.delivered(index, error, where)

    while True:
        try:
            producer.produce(
                message.destination.topic, message.body,
                key.encode("utf-8", errors="surrogatepass") if isinstance(key, str) else None,
                headers=headers, on_delivery=report, **extra,
            )  # fmt: skip
            break
        except BufferError:  # librdkafka's local queue is full: let reports drain it
            producer.poll(0.1)
        except KafkaException as exc:
            run.failed(index, describe_kafka_failure(exc, where))
            return
    run.sent_at[index] = sent_at
