"""Copies of a message: the same body and properties, with headers added by opsdesk."""

from __future__ import annotations

import copy
import time
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

import pika

from opsdesk.broker.deliveries import PROPERTY_NAMES

_last_text: tuple[int, str] = (-1, "")


def utc_now_text() -> str:
    """Now in UTC to the millisecond, ISO-8601 with a Z."""
    # A bulk move stamps thousands of copies a second; formatting is the costly part, so a
    # text is reused within its millisecond.
    global _last_text
    now_ms = time.time_ns() // 1_000_000
    if now_ms != _last_text[0]:
        seconds, millis = divmod(now_ms, 1000)
        stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _last_text = (now_ms, f"{stamp}.{millis:03d}Z")
    return _last_text[1]


def copy_properties(
    props: pika.BasicProperties,
    add_headers: Mapping[str, Any] | None = None,
    drop_headers: Collection[str] = (),
    **changes: Any,
) -> pika.BasicProperties:
    """`props` with `drop_headers` removed, `add_headers` merged and `changes` applied.

    Property values are carried over as pika decoded them. A header table is re-encoded by
    pika, which keeps every value but may pick another AMQP type tag for it (a small integer
    sent as a 64-bit `l` comes back as a 32-bit `I`).
    """
    unknown = set(changes) - set(PROPERTY_NAMES)
    if unknown:
        raise TypeError(f"not AMQP properties: {sorted(unknown)}")
    copied = copy.copy(props)  # shallow: every value but the header table is immutable
    kept = {k: v for k, v in (props.headers or {}).items() if k not in drop_headers}
    headers = {**kept, **(add_headers or {})}
    copied.headers = headers or None
    for name, value in changes.items():
        setattr(copied, name, value)
    return copied


def header_int(headers: Mapping[str, Any] | None, name: str) -> int:
    """An integer header (0 when absent or not a number)."""
    value = (headers or {}).get(name)
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, bytes | str):
        try:
            return int(value)
        except ValueError:
            return 0
    return 0
