"""What an operation will do (Plan, with its action's own spec), how far it got (Progress), how it
ended (OperationResult)."""

from __future__ import annotations

import enum
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from opsdesk.operations.selection import Selection
from opsdesk.operations.write_specs import DeclareQueueSpec, PublishTestSpec

# More messages than this need the operator to type the count, not just click OK.
TYPED_CONFIRMATION_ABOVE = 100
# How the history names a Kafka record's source (ingest/kafka_message.py): `kafka:TOPIC`.
KAFKA_PREFIX = "kafka:"


class Action(enum.StrEnum):
    """Audit action names; `requeue` is sending dead letters home."""

    MOVE = "move"
    DEAD_LETTER = "dead-letter"
    REQUEUE = "requeue"
    REPLAY = "replay"
    PURGE = "purge"
    DECLARE_QUEUE = "declare-queue"
    PUBLISH_TEST = "publish-test"


class OutcomeStatus(enum.StrEnum):
    DONE = "done"  # moved / dead-lettered / sent, and confirmed by the broker
    UNROUTABLE = "unroutable"  # basic.return: the source message was left in place
    NACKED = "nacked"  # the broker refused the copy: the source message was left in place
    # The copy was published but not confirmed before the end (cancel, timeout, lost
    # connection): the source message is back in its queue and the copy may exist too.
    UNCONFIRMED = "unconfirmed"
    REFUSED = "refused"  # a guard or check kept this message from being touched
    SKIPPED = "skipped"  # not attempted: the operation was cancelled or stopped before it
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Destination:
    """An exchange and routing key; the default exchange ("") routes to the queue named by key.

    A Kafka topic is `kafka:TOPIC` (as the history names a record's source) with no routing
    key, and the cluster of the profile's `[[profiles.X.kafka]]` tables it is produced to.
    """

    exchange: str
    routing_key: str
    kafka_cluster: str | None = None

    @classmethod
    def queue(cls, name: str) -> Destination:
        return cls("", name)

    @classmethod
    def kafka_topic(cls, cluster: str, topic: str) -> Destination:
        return cls(f"{KAFKA_PREFIX}{topic}", "", cluster)

    @property
    def is_queue(self) -> bool:
        return self.exchange == ""

    @property
    def is_kafka(self) -> bool:
        return self.kafka_cluster is not None

    @property
    def topic(self) -> str:
        """A Kafka destination's topic ("" for the others)."""
        return self.exchange.removeprefix(KAFKA_PREFIX) if self.is_kafka else ""

    def describe(self) -> str:
        if self.is_kafka:
            return f"Kafka topic {self.topic!r} (cluster {self.kafka_cluster!r})"
        if self.is_queue:
            return f"queue {self.routing_key!r}"
        return f"exchange {self.exchange!r} with routing key {self.routing_key!r}"


@dataclass(frozen=True, slots=True)
class GuardTrip:
    """A reason not to act on a message; `overridden` when the operator explicitly allowed it."""

    guard: str  # payment_succeeded, already_replayed, older_than_24h, retry_limit, ...
    detail: str
    overridden: bool = False


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    """One message as the plan sees it: where it goes, with what, and what stands in the way."""

    key: str  # message_id, else a content fingerprint (see message_key)
    destination: Destination | None
    message_id: str | None = None
    event_id: str | None = None  # replay: the history event it comes from
    guards: tuple[GuardTrip, ...] = ()
    refusal: str | None = None  # a hard refusal no override lifts (e.g. a masked body)
    headers_added: dict[str, Any] = field(default_factory=dict, hash=False)
    routing_key: str | None = None  # the routing key it arrives with, when not the destination's

    @property
    def blocked(self) -> bool:
        return self.refusal is not None or any(not g.overridden for g in self.guards)


class HomeTarget(enum.StrEnum):
    """Where a dead letter sent home goes."""

    QUEUE = "queue"  # the queue it died in, via the default exchange
    EXCHANGE = "exchange"  # the exchange and first routing key it was published with


DEFAULT_RETRY_LIMIT = 3


@dataclass(frozen=True, slots=True)
class MoveSpec:
    source: str
    destination: Destination
    selection: Selection
    action: Action = Action.MOVE  # dead-letter into a parking queue is a move too
    snapshot: int | None = None  # ready messages when planned; None: when executed
    create_queue: bool = False  # the destination queue does not exist yet: declare it first

    @property
    def parks(self) -> bool:
        return self.action is Action.DEAD_LETTER


@dataclass(frozen=True, slots=True)
class DeadLetterSpec:
    """A reject into the queue's own dead-letter exchange (a park is a MoveSpec)."""

    queue: str
    selection: Selection
    dead_letter_exchange: str
    dead_letter_routing_key: str | None  # None: each message keeps its own routing key
    snapshot: int | None = None  # ready messages when planned


@dataclass(frozen=True, slots=True)
class SendHomeSpec:
    queue: str  # the dead-letter queue
    selection: Selection
    destination: Destination | None = None  # the operator's choice for every message
    target: HomeTarget = HomeTarget.QUEUE
    retry_limit: int = DEFAULT_RETRY_LIMIT
    override_retry_limit: bool = False
    snapshot: int | None = None  # ready messages when planned (plan_send_home sets it)


@dataclass(frozen=True, slots=True)
class ReplayMessage:
    """Exactly what will be sent where (a preview shows these)."""

    event_id: str  # the stored event whose body and properties are sent
    destination: Destination
    body: bytes
    properties: Mapping[str, Any]  # AMQP basic properties, message_id already the new one
    headers: Mapping[str, Any] = field(default_factory=dict)  # without x-opsdesk-replayed-at
    payment_id: str | None = None  # a payment replay: the payment it retries
    attempt: int | None = None  # a payment replay: its x-opsdesk-replay-attempt


@dataclass(frozen=True, slots=True)
class ReplayPayment:
    """One payment as a payment replay plans it: who, how much, what was tried, what is sent.

    `send_event_id` is the payment's request (its earliest original event of a request type),
    or, only when the operator overrode `no_request`, the payment's own last event.
    """

    payment_id: str
    merchant: str | None
    amount_minor: int | None
    currency: str | None
    last_status: str | None  # the status of its latest original event
    last_error: str | None  # the error code of its latest failure
    attempts: int  # replays so far (copies in the history, replays in the audit log)
    last_attempt_at: str | None  # when the latest of those was sent or seen
    attempt: int  # the attempt number this replay carries
    send_type: str | None
    send_event_id: str | None  # None: the history has nothing this replay could send
    sends_request: bool
    destination: Destination | None
    message_id: str | None = None  # the new message_id (None when blocked)
    guards: tuple[GuardTrip, ...] = ()
    refusal: str | None = None

    @property
    def blocked(self) -> bool:
        return self.refusal is not None or any(not g.overridden for g in self.guards)


@dataclass(frozen=True, slots=True)
class ReplaySpec:
    messages: tuple[ReplayMessage, ...]  # only the events that may be sent
    reason: str
    payments: tuple[ReplayPayment, ...] = ()  # a payment replay: every payment, in plan order


@dataclass(frozen=True, slots=True)
class PurgeSpec:
    queue: str


# An action's own parameters, carried from its plan to its run.
PlanSpec = (
    MoveSpec
    | DeadLetterSpec
    | SendHomeSpec
    | ReplaySpec
    | PurgeSpec
    | DeclareQueueSpec
    | PublishTestSpec
)


@dataclass(frozen=True, slots=True)
class Plan:
    """Built first (a preview is just this), shown to the operator, then passed to execute()."""

    action: Action
    source: str  # a queue, or "history" for replays
    destinations: tuple[Destination, ...]
    count: int  # at most this many messages will be touched
    count_is_exact: bool  # False when a filter decides at run time
    method: str  # how, in words: "reject into dead-letter exchange 'dlx'", ...
    spec: PlanSpec
    items: tuple[PlannedMessage, ...] = ()  # per message, where known before running
    warnings: tuple[str, ...] = ()
    # Why it could not run now because its audit record cannot be written (audit first);
    # checked again, by writing the record, when it runs.
    audit_problem: str | None = None

    @property
    def selection(self) -> Selection | None:
        """Which of the source queue's messages it takes; None when it takes none."""
        spec = self.spec
        if isinstance(spec, ReplaySpec | PurgeSpec | DeclareQueueSpec | PublishTestSpec):
            return None
        return spec.selection

    @property
    def replay_messages(self) -> tuple[ReplayMessage, ...]:
        """What a replay will send; () for the other actions."""
        return self.spec.messages if isinstance(self.spec, ReplaySpec) else ()

    @property
    def replay_payments(self) -> tuple[ReplayPayment, ...]:
        """A payment replay's payments (sent or not); () for the other actions."""
        return self.spec.payments if isinstance(self.spec, ReplaySpec) else ()

    @property
    def overridden_guards(self) -> list[str]:
        """The guards the operator overrode, by name."""
        return sorted({g.guard for item in self.items for g in item.guards if g.overridden})

    @property
    def guards(self) -> dict[str, int]:
        """Tripped guards (overridden or not) and how many messages tripped each."""
        return dict(Counter(g.guard for item in self.items for g in item.guards))

    @property
    def blocked_count(self) -> int:
        return sum(1 for item in self.items if item.blocked)

    @property
    def needs_typed_confirmation(self) -> bool:
        return self.action is Action.PURGE or self.count > TYPED_CONFIRMATION_ABOVE

    @property
    def confirmation_text(self) -> str:
        """What the operator types to confirm: the queue name for purge, else the count."""
        return self.source if self.action is Action.PURGE else str(self.count)

    def describe(self) -> str:
        if isinstance(self.spec, DeclareQueueSpec | PublishTestSpec):
            return f"{self.spec.describe()}: {self.method}"
        where = ", ".join(d.describe() for d in self.destinations) or "nowhere"
        size = str(self.count) if self.count_is_exact else f"up to {self.count}"
        what = "payment(s)" if self.replay_payments else "message(s)"
        return f"{self.action.value} {size} {what} from {self.source} to {where}: {self.method}"


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    key: str
    status: OutcomeStatus
    message_id: str | None = None
    destination: Destination | None = None
    detail: str = ""
    event_id: str | None = None  # replay: the event replayed
    new_message_id: str | None = None  # replay: the message_id the copy was given
    payment_id: str | None = None  # payment replay: the payment retried
    sent_at: str | None = None  # replay: when it was published (its x-opsdesk-replayed-at)


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    failed: int
    examined: int  # messages looked at (including those a filter passed over)
    total: int  # the plan's count


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How a confirmed plan runs: stopped by `cancel`, reporting progress, at most this rate."""

    cancel: threading.Event | None = None
    on_progress: ProgressCallback | None = None
    rate_limit: float | None = None  # messages per second; None: as fast as confirms allow


@dataclass(frozen=True, slots=True)
class OperationResult:
    plan: Plan
    outcomes: tuple[MessageOutcome, ...]
    examined: int = 0
    cancelled: bool = False
    error: str | None = None  # why the operation stopped early, if it did
    notes: tuple[str, ...] = ()
    audit_id: int | None = None
    elapsed_s: float = 0.0

    @property
    def done(self) -> int:
        return sum(1 for o in self.outcomes if o.status is OutcomeStatus.DONE)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.done

    @property
    def ok(self) -> bool:
        """True when nothing was refused or failed and the operation ran to its end."""
        return self.error is None and not self.cancelled and self.failed == 0

    @property
    def outcome(self) -> str:
        """One word for the audit log: ok, partial, cancelled, failed or refused."""
        if self.ok:
            return "ok"
        if self.cancelled:
            return "cancelled"
        if self.done:
            return "partial"
        if self.outcomes and all(o.status is OutcomeStatus.REFUSED for o in self.outcomes):
            return "refused"
        return "failed"

    def with_audit_id(self, audit_id: int) -> OperationResult:
        return replace(self, audit_id=audit_id)
