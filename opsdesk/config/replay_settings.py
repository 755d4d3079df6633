"""A profile's `[profiles.X.replay]` table: what starts a payment, where a replay goes, limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_REQUEST_TYPES = ("payment.requested",)
_KNOWN = {"request_types", "exchange", "routing_key", "queue", "recent_minutes", "max_attempts"}


@dataclass(frozen=True, slots=True)
class ReplaySettings:
    """Payment replay (operations/payment_replay.py) as a profile configures it.

    A replay re-sends the payment's earliest original event whose type is in `request_types`.
    It goes where that request was first published, unless `exchange` (+ `routing_key`) or
    `queue` names another destination. A payment replayed within `recent_minutes`, or whose
    last replay has no outcome yet, is not replayed again without an override; nor one whose
    next replay would be attempt number `max_attempts + 1`.
    """

    request_types: tuple[str, ...] = DEFAULT_REQUEST_TYPES
    exchange: str | None = None
    routing_key: str | None = None  # with `exchange`; None: the request's own routing key
    queue: str | None = None  # instead of `exchange`: straight to this queue
    recent_minutes: float = 10.0
    max_attempts: int = 3


def parse_replay_settings(raw: Any) -> ReplaySettings:
    """The settings in a profile's replay table; ValueError saying what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError("replay must be a table")
    if unknown := set(raw) - _KNOWN:
        raise ValueError(f"unknown replay settings {sorted(unknown)}")
    types = raw.get("request_types", list(DEFAULT_REQUEST_TYPES))
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or not types or not all(isinstance(t, str) and t for t in types):
        raise ValueError("replay request_types must be a list of event types")
    names = {key: raw.get(key) for key in ("exchange", "routing_key", "queue")}
    for key, value in names.items():
        if value is not None and not isinstance(value, str):
            raise ValueError(f"replay {key} must be text")
    if names["queue"] is not None and (names["exchange"] is not None or names["routing_key"]):
        raise ValueError("replay: name a queue, or an exchange and routing key, not both")
    if names["routing_key"] is not None and names["exchange"] is None:
        raise ValueError("replay routing_key needs an exchange")
    if names["queue"] == "":
        raise ValueError("replay queue must not be empty")
    recent = raw.get("recent_minutes", 10.0)
    if isinstance(recent, bool) or not isinstance(recent, int | float) or not recent >= 0:
        raise ValueError("replay recent_minutes must be a number of minutes, 0 or more")
    attempts = raw.get("max_attempts", 3)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValueError("replay max_attempts must be a whole number, 1 or more")
    return ReplaySettings(
        request_types=tuple(dict.fromkeys(types)),
        exchange=names["exchange"],
        routing_key=names["routing_key"],
        queue=names["queue"],
        recent_minutes=float(recent),
        max_attempts=attempts,
    )
