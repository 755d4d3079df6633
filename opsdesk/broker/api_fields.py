"""Typed fields out of the management API's JSON, where any field may be missing or null.

The API leaves out what it has not measured yet (a new quorum queue's counts, a new
connection's channels): these turn that into None rather than a zero that looks real.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def int_field(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def float_field(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def text_field(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def mapping_field(value: Any) -> dict[str, Any]:
    # Older brokers encode an empty Erlang proplist as `[]` rather than `{}`.
    return dict(value) if isinstance(value, dict) else {}


def epoch_ms(value: Any) -> datetime | None:
    """The API's milliseconds since the epoch as a UTC time; None when absent."""
    number = float_field(value)
    return None if number is None else datetime.fromtimestamp(number / 1000.0, UTC)


def dict_entries(answer: Any) -> list[dict[str, Any]]:
    """The objects of a list answer; anything else is no entries."""
    return [e for e in answer if isinstance(e, dict)] if isinstance(answer, list) else []
