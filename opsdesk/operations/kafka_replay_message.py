"""What a replay to Kafka produces: the stored record's value, key and headers, and replay headers.

The value is the stored body (stored_copy_problem has checked it is the original bytes), the
key the record's own (so the payment's records stay in one partition, in order), the headers
the stored ones with a new `message_id` header (the id the history stores the copy under: an
id of its own, so the copy is not taken for the original) and opsdesk's replay headers. Back
to the topic it came from, the copy goes to the original's partition; to another topic (a
retry topic) the key decides, with the Java client's partitioner (kafka_replay_sender.py), as
the services' own producers would place it.

A record whose key or a header was not UTF-8 is stored with the bytes escaped (\\xff), so its
stored text is not the original bytes: such a record is refused, as a masked body is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from opsdesk.events.model import PaymentEvent
from opsdesk.events.replay_headers import REPLAY_ATTEMPT
from opsdesk.operations.plan import Destination, ReplayMessage
from opsdesk.operations.replay import replay_message

KEY = "kafka_key"  # in a Kafka ReplayMessage's properties: the record key, as stored (text)
PARTITION = "kafka_partition"  # and the partition, when the copy goes back to the same topic
MESSAGE_ID_HEADERS = ("message_id", "message-id")  # ingest/kafka_message.py's PROPERTY_HEADERS
# When a dead-letter copy (kafka_dead_letter.py) was produced; a replay says x-opsdesk-replayed-at.
DEAD_LETTERED_AT = "x-opsdesk-dead-lettered-at"
_ESCAPED_BYTE = re.compile(r"\\x[0-9a-f]{2}")


def kafka_copy_problem(event: PaymentEvent) -> str | None:
    """Why the stored key or headers are not the record's bytes, or None."""
    properties = json.loads(event.properties or "{}")
    key = properties.get(KEY)
    if isinstance(key, str) and _ESCAPED_BYTE.search(key):
        return "the record's key is not UTF-8 text, so the stored key is not its original bytes"
    headers = json.loads(event.headers or "{}")
    if any(_ESCAPED_BYTE.search(v) for v in _header_texts(headers)):
        return "a header of the record is not UTF-8 text, so the stored one is not its bytes"
    return None


def _header_texts(headers: dict[str, Any]) -> list[str]:
    values = [
        v for value in headers.values() for v in (value if isinstance(value, list) else [value])
    ]
    return [v for v in values if isinstance(v, str)]


def kafka_replay_message(
    event: PaymentEvent,
    destination: Destination,
    operator: str,
    reason: str,
    *,
    attempt: int | None = None,
    payment_id: str | None = None,
) -> ReplayMessage:
    """The record a replay of `event` (read from Kafka) produces to `destination`."""
    base = replay_message(
        event, destination, operator, reason, attempt=attempt, payment_id=payment_id
    )
    new_id = str(base.properties["message_id"])
    headers = {k: v for k, v in base.headers.items() if k not in MESSAGE_ID_HEADERS}
    headers["message_id"] = new_id
    if attempt is not None:
        headers[REPLAY_ATTEMPT] = str(attempt)  # a Kafka header is bytes: its digits as text
    stored = json.loads(event.properties or "{}")
    properties: dict[str, Any] = {"message_id": new_id, KEY: stored.get(KEY)}
    partition = stored.get(PARTITION)
    if destination.exchange == event.exchange and isinstance(partition, int):
        properties[PARTITION] = partition
    return ReplayMessage(
        event.event_id, destination, base.body, properties, headers, payment_id, attempt
    )


def header_pairs(headers: Mapping[str, Any]) -> list[tuple[str, str | bytes | None]]:
    """Headers as Kafka carries them: a name given several times (a list) once per value."""
    pairs: list[tuple[str, str | bytes | None]] = []
    for name, value in headers.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, _header_bytes(one)))
    return pairs


def _header_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("utf-8", errors="surrogatepass")
    return json.dumps(value).encode()  # a number or a table some decoder kept typed
