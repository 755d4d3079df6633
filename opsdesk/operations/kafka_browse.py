"""Browse a Kafka topic at an offset or a time: its records as browsed messages, nothing consumed.

The records come from kafka/record_browse.py (a read by assignment, no commit). Each becomes
a BrowsedMessage, the value the queue browser shows, so a record opens in the same detail view
as a queue message (ui/operations/message_details.py): exchange `kafka:TOPIC`, routing key
and position `PARTITION@OFFSET`, Kafka's headers, its key and timestamp among the properties
(ingest/kafka_message.py), the body masked. Its message id is the event id the desk stores it
under, so the history's copy, if any, is found by it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.events.decode import decode
from opsdesk.events.jsontext import table_json
from opsdesk.events.masking import mask_pans
from opsdesk.events.model import PaymentEvent, RawMessage
from opsdesk.ingest.kafka_message import record_raw_message
from opsdesk.kafka.record_browse import BrowseStart, read_records
from opsdesk.operations.browse import BODY_PREVIEW_CHARS, BrowsedMessage
from opsdesk.operations.history_lookup import events_by_id

WHAT_BROWSING_DOES = (
    "Browsing a topic reads its records by assignment, with no consumer group and no commit: "
    "nothing is consumed and no one's offsets move."
)


@dataclass(frozen=True, slots=True)
class TopicBrowse:
    topic: str
    messages: tuple[BrowsedMessage, ...]
    recorded: dict[str, PaymentEvent]  # by message id: those the history already holds
    complete: bool
    notes: tuple[str, ...]


def browse_topic(
    settings: KafkaSettings,
    db_path: Path | None,
    topic: str,
    start: BrowseStart,
    partition: int | None = None,
    limit: int = 100,
) -> TopicBrowse:
    """Records of `topic` from `start` (`limit` per partition), with the history's copies.
    Raises KafkaException when the cluster cannot be read, ValueError for no such topic."""
    page = read_records(settings, topic, start, partition, limit)
    messages = tuple(browsed_record(record_raw_message(r)) for r in page.records)
    ids = [m.message_id for m in messages if m.message_id]
    recorded = events_by_id(db_path, ids) if db_path is not None and db_path.exists() else {}
    notes = [WHAT_BROWSING_DOES]
    if not page.complete:
        notes.append("The time limit ended the read before every partition was read.")
    for partition_id, end in sorted(page.ends.items()):
        if page.starts[partition_id] >= end:
            notes.append(f"{partition_id} has nothing from there (it ends at offset {end}).")
    return TopicBrowse(topic, messages, recorded, page.complete, tuple(notes))


def browsed_record(raw: RawMessage) -> BrowsedMessage:
    """A record as the queue browser's rows and detail view show a message."""
    text = raw.body.decode("utf-8", errors="backslashreplace")
    offset = raw.properties.get("kafka_offset")
    return BrowsedMessage(
        position=offset if isinstance(offset, int) else 0,
        key=raw.routing_key,
        message_id=decode(raw, "").event_id,
        exchange=raw.exchange,
        routing_key=raw.routing_key,
        redelivered=False,
        properties=json.loads(table_json(raw.properties)),
        headers=json.loads(table_json(raw.headers)),
        deaths=(),
        body_text=mask_pans(text[: BODY_PREVIEW_CHARS + 64])[:BODY_PREVIEW_CHARS],
        body_truncated=len(text) > BODY_PREVIEW_CHARS,
        size=len(raw.body),
    )
