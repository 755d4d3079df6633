"""AMQP headers and properties as the JSON text the store keeps: sorted, ASCII, PAN-masked."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from opsdesk.events.masking import mask_pans
from opsdesk.events.timestamps import utc_iso

_MAX_DEPTH = 32  # AMQP tables nest; a self-referencing dict must not recurse forever


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="backslashreplace")
    if isinstance(value, datetime):
        return utc_iso(value) if value.tzinfo else value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return str(value)


# Built once: json.dumps with options builds a new encoder per call, which costs microseconds.
_ENCODER = json.JSONEncoder(sort_keys=True, default=_default)


def table_json(table: dict[str, Any]) -> str:
    """`table` as JSON text; never raises. ASCII, so no lone surrogate reaches SQLite."""
    if not table:
        return "{}"
    try:
        text = _ENCODER.encode(table)
    except (TypeError, ValueError, RecursionError):
        # Non-string keys that do not sort together, circular references, ...
        return _dumps_plain(table)
    if mask_pans(text) == text:
        return text
    # Mask value by value: masking the text would turn a numeric PAN into invalid JSON.
    return _dumps_plain(table)


def _dumps_plain(table: dict[str, Any]) -> str:
    return json.dumps(_plain(table, 0), sort_keys=True)


def _plain(value: Any, depth: int) -> Any:
    """A JSON-safe, PAN-masked copy: strings and big integers masked, keys made strings."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, str):
        return mask_pans(value)
    if isinstance(value, int):
        text = str(value)
        masked = mask_pans(text)
        return value if masked == text else masked
    if depth >= _MAX_DEPTH:
        return mask_pans(repr(value)[:200])
    if isinstance(value, dict):
        return {mask_pans(str(key)): _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1) for item in value]
    return _plain(_default(value), depth + 1)
