"""Turn any AMQP message into payment events. Never raises: bad input is kept and flagged.

A message holds one event, except an Adyen batch notification, which holds one per item. Shapes
are tried in this order: a user mapping that applies, CloudEvents (binary, then structured), a
Stripe event, an Adyen notification, opsdesk's native shape, any other JSON, raw bytes.
Identity follows identity.event_identity, except for Adyen items, which carry their own key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from opsdesk.events import adyen, cloudevents, stripe
from opsdesk.events.identity import HASH_PREFIX, content_hash, event_identity
from opsdesk.events.jsontext import table_json
from opsdesk.events.mapping import FieldMapping
from opsdesk.events.masking import mask_pans, may_hold_pan
from opsdesk.events.model import PaymentEvent, RawMessage, undecoded_event
from opsdesk.events.native import PaymentFields, has_known_field, read_fields
from opsdesk.events.replay_headers import read_replay_fields
from opsdesk.events.status import derive_status
from opsdesk.events.timestamps import to_utc_iso, utc_iso
from opsdesk.events.wide_text import shown_text

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 64 * 1024  # stored body text is cut here; larger bodies are kept raw, not parsed
# Decode a little past the cap so a PAN straddling the cut is still seen whole and masked.
_MASK_MARGIN = 64
_EMPTY = PaymentFields()
_EMPTY_BODY = "empty body"
_ORIGINAL: tuple[str | None, int | None] = (None, None)  # no replay headers
# orjson turns an integer past 64 bits into a float, where json keeps it exact: such a number
# has 19+ digits in a row, which a body cleared by may_hold_pan (no 13 in a row) cannot hold.
_LONG_DIGITS = re.compile(r"[0-9]{19}")
_JSON_TYPE_NAMES: dict[type, str] = {
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def decode_many(
    raw: RawMessage, received_at: str, mappings: Sequence[FieldMapping] = ()
) -> list[PaymentEvent]:
    """Every payment event in `raw`, at least one; `received_at` is ISO-8601 UTC from the caller.

    The first of `mappings` that applies to the message decodes it, before any built-in shape.
    """
    try:
        return _decode(raw, received_at, mappings)
    except Exception as exc:  # a decoder bug must never stop the tap: keep the message raw
        return [_contained(raw, received_at, exc)]


def decode(
    raw: RawMessage, received_at: str, mappings: Sequence[FieldMapping] = ()
) -> PaymentEvent:
    """The first payment event in `raw`: its only one, unless it is a batch (see decode_many)."""
    try:
        return _decode(raw, received_at, mappings)[0]
    except Exception as exc:  # as in decode_many, without its extra call on the hot path
        return _contained(raw, received_at, exc)


def preview(mapping: FieldMapping, raw: RawMessage, received_at: str | None = None) -> PaymentEvent:
    """How `raw` decodes with `mapping`, applied even when its match conditions do not hold.

    For the settings dialog: decode_error also says why the mapping would not apply to this
    message, and which mapped fields the sample lacks.
    """
    when = received_at or utc_iso(datetime.now(UTC))
    try:
        event = _decode(raw, when, (), forced=mapping)[0]
        parsed = _read_body(raw.body).parsed
    except Exception as exc:
        return _contained(raw, when, exc)
    if event.format != mapping.format:
        notes: list[str | None] = ["mapping not applied: the body is not JSON"]
    else:
        mismatch = mapping.mismatch(raw.routing_key, parsed)
        missing = mapping.missing(parsed)
        notes = [
            f"mapping would not apply: {mismatch}" if mismatch else None,
            "not found: " + ", ".join(missing) if missing else None,
        ]
    return replace(event, decode_error=_join(event.decode_error, *notes))


class _Body(NamedTuple):
    text: str  # masked and capped, what the store keeps
    parsed: Any  # the JSON value, or None when the body did not parse
    problem: str | None
    # True when no string parsed from the body can hold a PAN: the body text had no candidate
    # and no \u escape (the one way a JSON string gains digits its text does not show).
    clean: bool = False


@dataclass(slots=True)  # not a NamedTuple, not frozen: both cost ~0.2 us more on the hot path
class _Part:
    """What one event of a message says, before it becomes a PaymentEvent."""

    format: str
    fields: PaymentFields
    problem: str | None = None
    cloud: cloudevents.CloudEvent | None = None
    event_id: str | None = None  # set when the message's own ids cannot name this event
    body: str | None = None  # set when the event keeps only its part of the body


def _decode(
    raw: RawMessage,
    received_at: str,
    mappings: Sequence[FieldMapping],
    forced: FieldMapping | None = None,
) -> list[PaymentEvent]:
    body = _read_body(raw.body)
    parts = _interpret(raw, body, mappings, forced)
    headers = table_json(raw.headers)
    properties = table_json(raw.properties)
    replay = read_replay_fields(raw.headers) if raw.headers else _ORIGINAL
    events = []  # a loop: a comprehension costs a frame per message in Python 3.11
    for part in parts:
        events.append(_event(raw, received_at, body, part, headers, properties, replay))
    return events


def _interpret(
    raw: RawMessage, body: _Body, mappings: Sequence[FieldMapping], forced: FieldMapping | None
) -> list[_Part]:
    parsed = body.parsed
    if parsed is not None and (forced is not None or mappings):
        rk = raw.routing_key
        mapping = forced or next((m for m in mappings if m.applies_to(rk, parsed)), None)
        if mapping is not None:
            return [_Part(mapping.format, mapping.read(parsed, mask=not body.clean))]
    ce_attrs = cloudevents.binary_attributes(raw.headers) if raw.headers else None
    if ce_attrs is not None:
        problem = None if body.problem == _EMPTY_BODY else body.problem  # data is optional
        return [_cloud(cloudevents.from_binary(ce_attrs, parsed), problem)]
    if isinstance(parsed, dict):
        content_type = raw.properties.get("content_type")
        ctype = content_type if isinstance(content_type, str) else None
        if cloudevents.is_structured(parsed, ctype):
            return [_cloud(cloudevents.from_structured(parsed), None)]
        # The key tests come first so native bodies, the hot path, skip the calls.
        if parsed.get("object") == "event" and stripe.is_event(parsed):
            return [_Part("stripe", stripe.read_event(parsed, mask=not body.clean))]
        if adyen.ITEMS in parsed:
            return _adyen_parts(raw, parsed, body)
        fields = read_fields(parsed, mask=not body.clean)
        fmt = "native" if fields.payment_id and (fields.type or fields.status) else "json"
        return [_Part(fmt, fields, None if has_known_field(parsed) else "no known payment fields")]
    if body.problem is None:
        kind = _JSON_TYPE_NAMES.get(type(parsed), "value")
        return [_Part("json", _EMPTY, f"not a JSON object: {kind}")]
    return [_Part("raw", _EMPTY, body.problem)]


def _cloud(event: cloudevents.CloudEvent, problem: str | None) -> _Part:
    # Always masked: data_base64 is decoded here, out of sight of the body-level pre-check.
    fields = read_fields(event.data) if isinstance(event.data, dict) else _EMPTY
    return _Part("cloudevents", fields, problem, cloud=event)


def _adyen_parts(raw: RawMessage, notification: dict[str, Any], body: _Body) -> list[_Part]:
    items = adyen.read_notification(notification, mask=not body.clean)
    if not items:
        return [_Part("adyen", _EMPTY, "Adyen notification without items")]
    if len(items) == 1:  # the body is already this item's notification
        return [_Part("adyen", items[0].fields, event_id=items[0].event_id)]
    # A broken item has no key of its own: the message's identity and its place in the batch.
    return [
        _Part(
            "adyen",
            item.fields,
            event_id=item.event_id or f"{event_identity(raw)}#{index}",
            body=_json_text(item.notification),
        )
        for index, item in enumerate(items)
    ]


def _event(
    raw: RawMessage,
    received_at: str,
    body: _Body,
    part: _Part,
    headers: str,
    properties: str,
    replay: tuple[str | None, int | None],
) -> PaymentEvent:
    fields, cloud = part.fields, part.cloud
    event_type = (cloud.type if cloud else None) or fields.type
    occurred = to_utc_iso(cloud.time) if cloud and cloud.time is not None else None
    if occurred is None and fields.occurred_at is not None:
        occurred = to_utc_iso(fields.occurred_at)
    if occurred is None and raw.properties.get("timestamp") is not None:
        occurred = to_utc_iso(raw.properties["timestamp"])  # AMQP timestamp: epoch seconds
    event_id = part.event_id or event_identity(
        raw,
        ce_source=cloud.source if cloud else None,
        ce_id=cloud.id if cloud else None,
        native_id=fields.event_id,
    )
    return PaymentEvent(
        event_id=event_id,
        received_at=received_at,
        occurred_at=occurred,
        exchange=raw.exchange,
        routing_key=raw.routing_key,
        type=event_type,
        status=derive_status(fields.status, event_type, _status_hint(raw, part)),
        payment_id=fields.payment_id,
        merchant=fields.merchant,
        amount_minor=fields.amount_minor,
        currency=fields.currency,
        error_code=fields.error_code,
        idempotency_key=fields.idempotency_key,
        decode_error=_join(part.problem, cloud.problem if cloud else None, fields.problem),
        headers=headers,
        properties=properties,
        body=body.text if part.body is None else part.body,
        body_size=len(raw.body),
        format=part.format,
        replay_of=replay[0],
        replay_attempt=replay[1],
    )


def _status_hint(raw: RawMessage, part: _Part) -> str:
    """The routing key, when the body said anything about a payment; else nothing.

    An undecodable body (not JSON, not UTF-8, empty, not an object, no known field) is no
    payment event the desk can read: its status is unknown, whatever its routing key claims,
    so poison counts apart from pending payments.
    """
    if part.problem is None or part.cloud is not None or part.fields != _EMPTY:
        return raw.routing_key
    return ""


def _read_body(body: bytes) -> _Body:
    """The body as text to store, its JSON value, and why it did not decode."""
    size = len(body)
    if size == 0:
        return _Body("", None, _EMPTY_BODY)
    if size > MAX_BODY_CHARS:
        kept, wide = shown_text(body[: MAX_BODY_CHARS + _MASK_MARGIN], MAX_BODY_CHARS)
        problem = f"body too large: {size} bytes (kept first {len(kept)})"
        return _Body(kept, None, _join(problem, wide))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8: invalid byte 0x{body[exc.start]:02x} at offset {exc.start}"
        kept, wide = shown_text(body, MAX_BODY_CHARS)
        return _Body(kept, None, _join(problem, wide))
    candidate = may_hold_pan(text)
    masked = mask_pans(text) if candidate else text
    try:
        # A UTF-8 byte-order mark is not JSON, but harmless: skip it rather than reject the body.
        parsed = _parse(text[1:] if text.startswith("\ufeff") else text, candidate)
    except json.JSONDecodeError as exc:
        if not text.strip():
            return _Body(masked, None, _EMPTY_BODY)
        problem = f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        if "\0" in text:  # maybe UTF-16 without a byte-order mark: valid UTF-8, NULs between
            kept, wide = shown_text(body, MAX_BODY_CHARS)
            return _Body(kept, None, _join(problem, wide))
        return _Body(masked, None, problem)
    except RecursionError:
        return _Body(masked, None, "not JSON: nested too deeply")
    return _Body(masked, parsed, None, clean=not candidate and "\\u" not in text)


def _parse(text: str, candidate: bool) -> Any:
    """json.loads(text), through orjson (3x faster) where both give the same value.

    Elsewhere orjson raises (NaN, 1e400, a lone surrogate escape, deep nesting, bad JSON) or
    could differ (a long integer): json.loads then decides, its errors and messages included.
    """
    if not candidate or _LONG_DIGITS.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def _json_text(value: Any) -> str:
    """A JSON value as body text to store: masked and capped like a whole body."""
    text = json.dumps(value, ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a \u escape: keep it escaped
            text = json.dumps(value)
    return mask_pans(text)[:MAX_BODY_CHARS]


def _join(*problems: str | None) -> str | None:
    present = [p for p in problems if p]
    return "; ".join(present) if present else None


def _contained(raw: RawMessage, received_at: str, exc: Exception) -> PaymentEvent:
    """The event for a message the decoder failed on, logged with the bug's traceback."""
    log.error("decoder failed on a message from %r/%r", raw.exchange, raw.routing_key, exc_info=exc)
    return _last_resort(raw, received_at, f"decoder error: {type(exc).__name__}")


def _last_resort(raw: RawMessage, received_at: str, problem: str) -> PaymentEvent:
    """A minimal event built from parts that cannot fail, for when decoding itself failed."""
    body = bytes(raw.body) if isinstance(raw.body, bytes | bytearray) else b""
    text, _ = shown_text(body[: MAX_BODY_CHARS + _MASK_MARGIN], MAX_BODY_CHARS)
    try:
        event_id = content_hash(raw)
    except Exception:  # even the hash failed (a body that is not bytes): hash its repr
        digest = hashlib.sha256(repr(raw).encode("utf-8", "backslashreplace"))
        event_id = HASH_PREFIX + digest.hexdigest()
    exchange, routing_key = str(raw.exchange), str(raw.routing_key)
    return undecoded_event(event_id, received_at, exchange, routing_key, problem, text, len(body))
