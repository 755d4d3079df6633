"""What the queue overview shows: one row per queue, with where its rates came from and when.

Values only (no I/O), so the window's table model, the command line and tests share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

# Plain strings, so a row goes into JSON as it is; RATE_SOURCE_TEXT says them to a person.
RateSource = Literal["management", "prometheus", "pending", "none"]
FiguresSource = Literal["management", "prometheus", "none"]

RATE_SOURCE_TEXT: dict[RateSource, str] = {
    "management": "management API",
    "prometheus": "prometheus",
    "pending": "none yet: needs a second reading",
    "none": "none",
}


@dataclass(frozen=True, slots=True)
class QueueRates:
    """Messages per second, and where they came from."""

    publish: float | None
    deliver: float | None  # deliveries to consumers and basic.get, acked or not
    ack: float | None
    source: RateSource
    interval: float | None = None  # seconds a Prometheus rate averages over
    detail: str = ""  # why there are none (a plain sentence), or a note on the source

    @property
    def source_text(self) -> str:
        return RATE_SOURCE_TEXT[self.source]

    def to_dict(self) -> dict[str, Any]:
        return {
            "publish": self.publish,
            "deliver": self.deliver,
            "ack": self.ack,
            "source": self.source,
            "source_text": self.source_text,
            "interval": self.interval,
            "detail": self.detail,
        }


NO_RATES = QueueRates(None, None, None, "none")


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One queue as the overview lists it. A figure is None when the broker has not reported
    it (a quorum queue's counts take a few seconds to appear after it is declared)."""

    name: str
    vhost: str
    type: str  # classic | quorum | stream
    state: str | None  # running, idle, flow, minority, down, ...
    ready: int | None
    unacked: int | None
    total: int | None
    consumers: int | None
    consumer_utilisation: float | None  # 0..1: the share of time consumers could take more
    rates: QueueRates
    read_at: datetime  # UTC: when these figures were read, for their age
    figures_source: FiguresSource = "management"  # where ready/unacked/consumers came from
    dead_letter_exchange: str | None = None  # "" is the default exchange
    dead_letter_routing_key: str | None = None
    policy: str | None = None
    operator_policy: str | None = None
    durable: bool = True
    auto_delete: bool = False
    exclusive: bool = False
    arguments: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def age(self, now: datetime) -> float:
        """Seconds since the figures were read (`now` timezone-aware)."""
        return (now - self.read_at).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "vhost": self.vhost,
            "type": self.type,
            "state": self.state,
            "ready": self.ready,
            "unacked": self.unacked,
            "total": self.total,
            "consumers": self.consumers,
            "consumer_utilisation": self.consumer_utilisation,
            "rates": self.rates.to_dict(),
            "read_at": self.read_at.isoformat(),
            "figures_source": self.figures_source,
            "dead_letter_exchange": self.dead_letter_exchange,
            "dead_letter_routing_key": self.dead_letter_routing_key,
            "policy": self.policy,
            "operator_policy": self.operator_policy,
            "durable": self.durable,
            "auto_delete": self.auto_delete,
            "exclusive": self.exclusive,
            "arguments": self.arguments,
        }


@dataclass(frozen=True, slots=True)
class QueueOverview:
    """Every queue of one vhost at one reading."""

    vhost: str
    read_at: datetime  # UTC: when the management API answered
    rows: tuple[QueueRow, ...]
    prometheus_read_at: datetime | None = None  # when Prometheus was read, if it was
    rates_note: str = ""  # why Prometheus gave nothing (a plain sentence), else ""

    def matching(self, pattern: str, *, regex: bool = False) -> QueueOverview:
        """The rows whose name contains `pattern` (case-insensitive) or matches the regex.

        An invalid regex raises re.error."""
        return replace(self, rows=filter_rows(self.rows, pattern, regex=regex))

    def to_dict(self) -> dict[str, Any]:
        return {
            "vhost": self.vhost,
            "read_at": self.read_at.isoformat(),
            "prometheus_read_at": (
                self.prometheus_read_at.isoformat() if self.prometheus_read_at else None
            ),
            "rates_note": self.rates_note,
            "queues": [row.to_dict() for row in self.rows],
        }


def filter_rows(
    rows: tuple[QueueRow, ...], pattern: str, *, regex: bool = False
) -> tuple[QueueRow, ...]:
    if not pattern:
        return rows
    if regex:
        compiled = re.compile(pattern)
        return tuple(row for row in rows if compiled.search(row.name))
    needle = pattern.casefold()
    return tuple(row for row in rows if needle in row.name.casefold())
