"""How far a sweep may go, and the shapes of what it holds: shared by sweep.py and the ending."""

from __future__ import annotations

from dataclasses import dataclass

import pika.spec

from opsdesk.operations.plan import Destination

IO_WAIT = 0.05  # longest wait for I/O while nothing can be done (a confirm or delivery ends it)

Delivery = tuple[pika.spec.Basic.Deliver, pika.spec.BasicProperties, bytes]


@dataclass(frozen=True, slots=True)
class SweepLimits:
    snapshot: int  # the source's ready count when the operation started
    window: int = 1000  # publishes in flight at once
    rate_limit: float | None = None  # messages per second; None: as fast as confirms allow
    idle_end_s: float = 1.0  # end when nothing arrives this long (TTL, a stall)
    confirm_timeout_s: float = 15.0
    # Stop taking new messages well before the broker's consumer_timeout (30 min default)
    # would close the channel on the messages this sweep holds.
    max_duration_s: float = 20 * 60


@dataclass(frozen=True, slots=True)
class Pending:
    """A copy published and not confirmed yet: its source is acked once it is."""

    key: str
    message_id: str | None
    destination: Destination
