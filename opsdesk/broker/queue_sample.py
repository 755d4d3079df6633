"""What the queue monitor reports: samples, the vhost's queue list, per-queue problems, state."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal

# Plain strings, not an enum, so a sample goes into JSON or an SQLite row as it is.
# "kafka": a consumer group's lag on a topic (ingest/kafka_lag_samples.py).
SampleSource = Literal["management", "amqp", "kafka"]
ProblemReason = Literal["not_found", "access_refused", "locked", "dead_letter_exchange_missing"]

# Conventional dead-letter queue names, for queues whose wiring we cannot see (no management
# API) or that are fed by something other than x-dead-letter-exchange (a shovel, an app).
_DEAD_LETTER_NAME = re.compile(
    r"([._-]dlq$|^dlq[._-]|dead[._-]?letter|dlx|[._-]error$)", re.IGNORECASE
)


def looks_like_dead_letter(queue: str) -> bool:
    """True for `*.dlq`, `*.dead-letter*`, `*dlx*`, `*.error` and their `-`/`_` spellings."""
    return bool(_DEAD_LETTER_NAME.search(queue))


@dataclass(frozen=True, slots=True)
class QueueSample:
    """One queue's figures at one instant; flat so it maps to one row or one JSON object."""

    taken_at: str  # ISO 8601 UTC, e.g. 2025-01-31T09:15:02.123Z
    vhost: str
    queue: str
    messages_ready: int
    messages_unacked: int | None  # None: passive declare cannot see it
    consumers: int
    publish_rate: float | None  # messages/s; None without the management API
    deliver_rate: float | None  # deliver + get, acked or not
    ack_rate: float | None
    is_dead_letter: bool
    source: SampleSource

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class QueueInfo:
    """A queue of the vhost as the management API lists it, for picking queues to watch."""

    name: str
    vhost: str
    durable: bool
    type: str  # classic | quorum | stream
    # Declared arguments; a policy can set the same things, hence the resolved fields below.
    arguments: dict[str, Any] = field(default_factory=dict, hash=False)
    dead_letter_exchange: str | None = None  # "" is the default exchange
    dead_letter_routing_key: str | None = None
    delivery_limit: int | None = None  # None: not set explicitly (quorum on 4.x defaults to 20)
    is_dead_letter: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class QueueProblem:
    """A queue that could not be sampled (or is wired wrongly); the other queues still are."""

    queue: str
    reason: ProblemReason
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SampleRound:
    """Everything one sampling round found."""

    taken_at: str
    vhost: str
    source: SampleSource
    samples: tuple[QueueSample, ...]
    problems: tuple[QueueProblem, ...] = ()
    queue_list: tuple[QueueInfo, ...] | None = None  # None: not fetched this round / no API
    api_error: str | None = None  # why the management API was not used (a plain sentence)
    # Why the broker does not answer AMQP at the profile's address although its management
    # API gave these figures (a wrong port still reaches the API): not to be taken as current.
    broker_error: str | None = None


class MonitorPhase(StrEnum):
    CONNECTING = "connecting"
    SAMPLING = "sampling"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class MonitorState:
    phase: MonitorPhase
    source: SampleSource | None = None  # "amqp" while sampling = degraded, see `detail`
    detail: str = ""  # which API is used, why the fallback, why reconnecting, ...
    problems: tuple[QueueProblem, ...] = ()
    retry_in: float | None = None  # seconds until the next attempt while reconnecting
    interval: float | None = None  # seconds between rounds: a sample older than ~2 is late
    broker_error: str | None = None  # see SampleRound.broker_error

    @property
    def degraded(self) -> bool:
        """Sampling without the management API: no unacked count, no rates, no queue list."""
        return self.phase is MonitorPhase.SAMPLING and self.source == "amqp"
