"""CloudEvents 1.0 over AMQP and Kafka: structured mode (the event is the JSON body) and binary
mode (attributes in application headers prefixed `cloudEvents:` or `cloudEvents_` over AMQP,
`ce_` over Kafka, data in the body)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from opsdesk.events.native import plain_text, text_field

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
REQUIRED = ("id", "source", "specversion", "type")
_PREFIX = "cloudevents"  # compared case-insensitively; the separator follows it
_KAFKA_PREFIX = "ce_"  # the Kafka protocol binding's, lower case


@dataclass(frozen=True, slots=True)
class CloudEvent:
    """The context attributes opsdesk uses, and the event data (parsed JSON when it is JSON)."""

    id: str | None  # id and source unmasked: only used to build the identity
    source: str | None
    type: str | None
    time: Any
    data: Any
    missing: tuple[str, ...]  # required attributes that are absent

    @property
    def problem(self) -> str | None:
        if not self.missing:
            return None
        return "CloudEvent missing required attribute(s): " + ", ".join(self.missing)


def is_structured(obj: dict[str, Any], content_type: str | None) -> bool:
    """A structured-mode event: declared by content type, or recognisable by its attributes."""
    if content_type and content_type.split(";", 1)[0].strip().lower() == STRUCTURED_CONTENT_TYPE:
        return True
    return "specversion" in obj and "id" in obj and "source" in obj and "type" in obj


def from_structured(obj: dict[str, Any]) -> CloudEvent:
    """The event a structured-mode JSON body describes."""
    data = obj.get("data")
    if data is None and isinstance(obj.get("data_base64"), str):
        data = _json_or_none(_unbase64(obj["data_base64"]))
    elif isinstance(data, str) and data.lstrip().startswith("{"):
        # Some producers put the data in as a JSON string instead of a JSON value.
        data = _json_or_none(data) or data
    return _event(obj, data)


def binary_attributes(headers: dict[str, Any]) -> dict[str, Any] | None:
    """Attributes from `cloudEvents:`/`cloudEvents_` (AMQP) or `ce_` (Kafka) headers; None when
    not a binary-mode event."""
    attrs: dict[str, Any] = {}
    for key, value in headers.items():
        if not isinstance(key, str):
            continue
        if (
            len(key) > len(_PREFIX) + 1
            and key[len(_PREFIX)] in ":_"
            and key[: len(_PREFIX)].lower() == _PREFIX
        ):
            attrs[key[len(_PREFIX) + 1 :]] = value
        elif key.startswith(_KAFKA_PREFIX) and len(key) > len(_KAFKA_PREFIX):
            attrs.setdefault(key[len(_KAFKA_PREFIX) :], value)
    if "specversion" in attrs or ("id" in attrs and "type" in attrs):
        return attrs
    return None


def from_binary(attrs: dict[str, Any], data: Any) -> CloudEvent:
    """The event binary-mode headers describe; `data` is the parsed body (None if it had none)."""
    return _event(attrs, data)


def _event(attrs: dict[str, Any], data: Any) -> CloudEvent:
    missing = tuple(name for name in REQUIRED if _attr(attrs, name) is None)
    return CloudEvent(
        id=plain_text(_attr(attrs, "id")),
        source=plain_text(_attr(attrs, "source")),
        type=text_field(_attr(attrs, "type")),
        time=_attr(attrs, "time"),
        data=data,
        missing=missing,
    )


def _attr(attrs: dict[str, Any], name: str) -> Any:
    value = attrs.get(name)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="backslashreplace")
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _unbase64(text: str) -> str | None:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _json_or_none(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
