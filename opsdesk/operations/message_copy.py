"""Copies of a message: the same body and properties, with headers added by opsdesk."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pika

from opsdesk.broker.deliveries import PROPERTY_NAMES


def utc_now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def copy_properties(
    props: pika.BasicProperties,
    add_headers: Mapping[str, Any] | None = None,
    **changes: Any,
) -> pika.BasicProperties:
    """`props` with `add_headers` merged into its headers and `changes` applied.

    Property values are carried over as pika decoded them. A header table is re-encoded by
    pika, which keeps every value but may pick another AMQP type tag for it (a small integer
    sent as a 64-bit `l` comes back as a 32-bit `I`).
    """
    values = {name: getattr(props, name, None) for name in PROPERTY_NAMES}
    headers = dict(props.headers or {})
    headers.update(add_headers or {})
    values.update(changes)
    return pika.BasicProperties(headers=headers or None, **values)


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
