"""Stable event identity: the key the store dedupes redeliveries on."""

from __future__ import annotations

import hashlib

from opsdesk.events.masking import mask_pans
from opsdesk.events.model import RawMessage
from opsdesk.events.native import plain_text

HASH_PREFIX = "sha256:"  # a content hash: nothing in the message named it
ID_HASH_PREFIX = "id-sha256:"  # a hash of the message's own id (see event_identity)
_MAX_ID_CHARS = 512  # longer ids are hashed so the unique index stays small


def event_identity(
    raw: RawMessage,
    ce_source: str | None = None,
    ce_id: str | None = None,
    native_id: str | None = None,
) -> str:
    """AMQP message_id, else CloudEvents source#id, else the body's event id, else a content hash.

    The id is taken from the message as received, before any masking, so an event is stored
    under the id its producer gave it: search, timelines and replay by event id find it.
    Two kinds of id are stored as a hash of the raw id (`id_hash`) instead:
    - one that holds a card number (by the same rules that mask the body and headers, so no
      stored text shows it in clear). Masking it instead could make two events that differ
      only in the hidden digits share an id, and the store drop one of them;
    - one longer than 512 chars, so the unique index stays small.
    A hash of the id, not of the content: a redelivery carries the same id and so still
    dedupes, and two messages that reuse an id are the same event, as for any other id.
    """
    message_id = raw.properties.get("message_id")
    if isinstance(message_id, bytes):
        message_id = message_id.decode("utf-8", errors="backslashreplace")
    candidate = plain_text(message_id)
    if candidate is None and ce_source and ce_id:
        candidate = f"{ce_source}#{ce_id}"
    if candidate is None:
        candidate = native_id or None
    if candidate is None:
        return content_hash(raw)
    if len(candidate) > _MAX_ID_CHARS or mask_pans(candidate) != candidate:
        return id_hash(candidate)
    return candidate


def id_hash(raw_id: str) -> str:
    """The stored stand-in for an id that may not be stored as it is: sha256 of the raw id."""
    digest = hashlib.sha256(raw_id.encode("utf-8", errors="surrogatepass"))
    return ID_HASH_PREFIX + digest.hexdigest()


def content_hash(raw: RawMessage) -> str:
    """sha256 over exchange, routing key and body; NUL-separated so fields cannot run together."""
    digest = hashlib.sha256()
    digest.update(raw.exchange.encode("utf-8", errors="surrogatepass"))
    digest.update(b"\0")
    digest.update(raw.routing_key.encode("utf-8", errors="surrogatepass"))
    digest.update(b"\0")
    digest.update(raw.body)
    return HASH_PREFIX + digest.hexdigest()
