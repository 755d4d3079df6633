"""Turn any AMQP message into a PaymentEvent. Never raises: bad input is kept and flagged."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, NamedTuple

from opsdesk.events import cloudevents
from opsdesk.events.identity import HASH_PREFIX, content_hash, event_identity
from opsdesk.events.jsontext import table_json
from opsdesk.events.masking import mask_pans, may_hold_pan
from opsdesk.events.model import PaymentEvent, RawMessage, Status
from opsdesk.events.native import PaymentFields, has_known_field, read_fields
from opsdesk.events.status import derive_status
from opsdesk.events.timestamps import to_utc_iso

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 64 * 1024  # stored body text is cut here; larger bodies are kept raw, not parsed
# Decode a little past the cap so a PAN straddling the cut is still seen whole and masked.
_MASK_MARGIN = 64
_EMPTY = PaymentFields()
_EMPTY_BODY = "empty body"
_JSON_TYPE_NAMES: dict[type, str] = {
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def decode(raw: RawMessage, received_at: str) -> PaymentEvent:
    """The payment event `raw` describes; `received_at` is ISO-8601 UTC from the caller."""
    try:
        return _decode(raw, received_at)
    except Exception as exc:  # a decoder bug must never stop the tap: keep the message raw
        log.exception("decoder failed on a message from %r/%r", raw.exchange, raw.routing_key)
        return _last_resort(raw, received_at, f"decoder error: {type(exc).__name__}")


class _Body(NamedTuple):
    text: str  # masked and capped, what the store keeps
    parsed: Any  # the JSON value, or None when the body did not parse
    problem: str | None
    # True when no string parsed from the body can hold a PAN: the body text had no candidate
    # and no \u escape (the one way a JSON string gains digits its text does not show).
    clean: bool = False


def _decode(raw: RawMessage, received_at: str) -> PaymentEvent:
    props = raw.properties
    content_type = props.get("content_type")
    ce_attrs = cloudevents.binary_attributes(raw.headers) if raw.headers else None
    body = _read_body(raw.body)
    problem = body.problem

    fmt = "raw"
    event: cloudevents.CloudEvent | None = None
    fields = _EMPTY
    if ce_attrs is not None:
        fmt = "cloudevents"
        event = cloudevents.from_binary(ce_attrs, body.parsed)
        if problem == _EMPTY_BODY:
            problem = None  # data is optional in a CloudEvent
    elif isinstance(body.parsed, dict):
        ctype = content_type if isinstance(content_type, str) else None
        if cloudevents.is_structured(body.parsed, ctype):
            fmt = "cloudevents"
            event = cloudevents.from_structured(body.parsed)
        else:
            fields = read_fields(body.parsed, mask=not body.clean)
            fmt = "native" if fields.payment_id and (fields.type or fields.status) else "json"
            if not has_known_field(body.parsed):
                problem = "no known payment fields"
    elif problem is None:
        fmt = "json"
        problem = f"not a JSON object: {_JSON_TYPE_NAMES.get(type(body.parsed), 'value')}"

    if event is not None and isinstance(event.data, dict):
        # Always masked: data_base64 is decoded here, out of sight of the body-level pre-check.
        fields = read_fields(event.data)
    event_type = (event.type if event else None) or fields.type
    occurred = to_utc_iso(event.time) if event and event.time is not None else None
    if occurred is None and fields.occurred_at is not None:
        occurred = to_utc_iso(fields.occurred_at)
    if occurred is None and props.get("timestamp") is not None:
        occurred = to_utc_iso(props["timestamp"])  # AMQP timestamp: epoch seconds

    return PaymentEvent(
        event_id=event_identity(
            raw,
            ce_source=event.source if event else None,
            ce_id=event.id if event else None,
            native_id=fields.event_id,
        ),
        received_at=received_at,
        occurred_at=occurred,
        exchange=raw.exchange,
        routing_key=raw.routing_key,
        type=event_type,
        status=derive_status(fields.status, event_type, raw.routing_key),
        payment_id=fields.payment_id,
        merchant=fields.merchant,
        amount_minor=fields.amount_minor,
        currency=fields.currency,
        error_code=fields.error_code,
        idempotency_key=fields.idempotency_key,
        decode_error=_join(problem, event.problem if event else None, fields.problem),
        headers=table_json(raw.headers),
        properties=table_json(props),
        body=body.text,
        body_size=len(raw.body),
        format=fmt,
    )


def _read_body(body: bytes) -> _Body:
    """The body as text to store, its JSON value, and why it did not decode."""
    size = len(body)
    if size == 0:
        return _Body("", None, _EMPTY_BODY)
    if size > MAX_BODY_CHARS:
        head = body[: MAX_BODY_CHARS + _MASK_MARGIN].decode("utf-8", errors="backslashreplace")
        kept = mask_pans(head)[:MAX_BODY_CHARS]
        return _Body(kept, None, f"body too large: {size} bytes (kept first {len(kept)})")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        escaped = body.decode("utf-8", errors="backslashreplace")
        problem = f"not UTF-8: invalid byte 0x{body[exc.start]:02x} at offset {exc.start}"
        return _Body(mask_pans(escaped)[:MAX_BODY_CHARS], None, problem)
    candidate = may_hold_pan(text)
    masked = mask_pans(text) if candidate else text
    try:
        # A UTF-8 byte-order mark is not JSON, but harmless: skip it rather than reject the body.
        parsed = json.loads(text[1:] if text.startswith("\ufeff") else text)
    except json.JSONDecodeError as exc:
        if not text.strip():
            return _Body(masked, None, _EMPTY_BODY)
        return _Body(masked, None, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        return _Body(masked, None, "not JSON: nested too deeply")
    return _Body(masked, parsed, None, clean=not candidate and "\\u" not in text)


def _join(*problems: str | None) -> str | None:
    present = [p for p in problems if p]
    return "; ".join(present) if present else None


def _last_resort(raw: RawMessage, received_at: str, problem: str) -> PaymentEvent:
    """A minimal event built from parts that cannot fail, for when decoding itself failed."""
    body = bytes(raw.body) if isinstance(raw.body, bytes | bytearray) else b""
    text = mask_pans(body[: MAX_BODY_CHARS + _MASK_MARGIN].decode("utf-8", "backslashreplace"))
    try:
        event_id = content_hash(raw)
    except Exception:  # even the hash failed (a body that is not bytes): hash its repr
        digest = hashlib.sha256(repr(raw).encode("utf-8", "backslashreplace"))
        event_id = HASH_PREFIX + digest.hexdigest()
    return PaymentEvent(
        event_id=event_id,
        received_at=received_at,
        occurred_at=None,
        exchange=str(raw.exchange),
        routing_key=str(raw.routing_key),
        type=None,
        status=Status.UNKNOWN,
        payment_id=None,
        merchant=None,
        amount_minor=None,
        currency=None,
        error_code=None,
        idempotency_key=None,
        decode_error=problem,
        headers="{}",
        properties="{}",
        body=text[:MAX_BODY_CHARS],
        body_size=len(body),
        format="raw",
    )
