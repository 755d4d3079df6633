"""Stable event identity: the key the store dedupes redeliveries on."""

from __future__ import annotations

import hashlib

from opsdesk.events.masking import mask_pans
from opsdesk.events.model import RawMessage
from opsdesk.events.native import plain_text

HASH_PREFIX = "sha256:"
_MAX_ID_CHARS = 512  # longer ids are hashed so the unique index stays small


def event_identity(
    raw: RawMessage,
    ce_source: str | None = None,
    ce_id: str | None = None,
    native_id: str | None = None,
) -> str:
    """AMQP message_id, else CloudEvents source#id, else the body's event id, else a content hash.

    An id that would carry a card number, or is absurdly long, is replaced by the content hash:
    masking it instead could make two different events share an id and one of them be dropped.
    """
    message_id = raw.properties.get("message_id")
    if isinstance(message_id, bytes):
        message_id = message_id.decode("utf-8", errors="backslashreplace")
    candidate = plain_text(message_id)
    if candidate is None and ce_source and ce_id:
        candidate = f"{ce_source}#{ce_id}"
    if candidate is None:
        candidate = native_id or None
    if candidate is None or len(candidate) > _MAX_ID_CHARS or mask_pans(candidate) != candidate:
        return content_hash(raw)
    return candidate


def content_hash(raw: RawMessage) -> str:
    """sha256 over exchange, routing key and body; NUL-separated so fields cannot run together."""
    digest = hashlib.sha256()
    digest.update(raw.exchange.encode("utf-8", errors="surrogatepass"))
    digest.update(b"\0")
    digest.update(raw.routing_key.encode("utf-8", errors="surrogatepass"))
    digest.update(b"\0")
    digest.update(raw.body)
    return HASH_PREFIX + digest.hexdigest()
