"""The one entry point for operator actions: plan (a preview), then execute, always audited.

Use an `Operations` from one worker thread (each call opens its own broker connection). Plans
never write to the broker and are allowed on read-only profiles; `execute` refuses there.
An execution records its intent before it touches anything and does not run when it cannot
(execution.py); every refusal is recorded too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.management_api import ManagementClient
from opsdesk.config import Profile
from opsdesk.events.model import PaymentEvent
from opsdesk.operations import browse as browsing
from opsdesk.operations.audit_trail import audit_problem
from opsdesk.operations.context import OperationContext
from opsdesk.operations.dead_letter import plan_dead_letter
from opsdesk.operations.declare_queue import plan_declare_queue
from opsdesk.operations.errors import OperationError
from opsdesk.operations.execution import audited_refusals, broker_connection, execute_plan
from opsdesk.operations.history_lookup import events_by_id, succeeded_payments
from opsdesk.operations.kafka_dead_letter import read_kafka_dead_letter_plan
from opsdesk.operations.kafka_execution import execute_kafka_replay, without_rabbitmq
from opsdesk.operations.kafka_replay_events import profile_kafka_targets
from opsdesk.operations.kafka_replay_message import kafka_replay_message
from opsdesk.operations.move import plan_move
from opsdesk.operations.payment_planning import MAX_PAYMENTS, PaymentChoice, read_payment_plan
from opsdesk.operations.plan import (
    DEFAULT_RETRY_LIMIT,
    Action,
    Destination,
    HomeTarget,
    OperationResult,
    Plan,
    ProgressCallback,
    SendHomeSpec,
)
from opsdesk.operations.purge import plan_purge
from opsdesk.operations.queue_facts import (
    QueueFacts,
    exchange_exists,
    read_queue_facts,
)
from opsdesk.operations.replay import plan_replay
from opsdesk.operations.selection import Selection
from opsdesk.operations.send_home import plan_send_home
from opsdesk.operations.test_message import SOURCE as TEST_SOURCE
from opsdesk.operations.test_message import MessageDraft, plan_test_message
from opsdesk.operations.write_specs import DeclareQueueSpec
from opsdesk.store.audit import AuditLog
from opsdesk.store.errors import StoreError
from opsdesk.store.event_filter import EventFilter

log = logging.getLogger(__name__)

SEND_HOME_PREVIEW = 200  # messages browsed to show each one's destination in the plan


@dataclass(frozen=True, slots=True)
class _Source:
    connection: BlockingConnection
    client: ManagementClient | None
    facts: QueueFacts


class Operations:
    """Plans and runs operator actions for one profile and history file."""

    def __init__(self, profile: Profile, db_path: str | Path) -> None:
        self._ctx = OperationContext(profile, Path(db_path))

    @property
    def profile(self) -> Profile:
        return self._ctx.profile

    # -- reading ------------------------------------------------------------------------------

    def queue_facts(self, queue: str) -> QueueFacts:
        with self._connection() as connection:
            return read_queue_facts(connection, self._ctx.management(), queue)

    def browse(
        self,
        queue: str,
        *,
        offset: int = 0,
        limit: int = 50,
        time_limit: float | None = None,
        accept_delivery_limit_risk: bool = False,
        cancel: threading.Event | None = None,
        channel_prefetch: int = browsing.MAX_PREFETCH,
    ) -> browsing.BrowseResult:
        """A page of `queue`, left in place (see browse.py for what browsing does to it)."""
        with self._connection() as connection:
            facts = read_queue_facts(connection, self._ctx.management(), queue)
            result = browsing.browse(
                connection,
                facts,
                offset=offset,
                limit=limit,
                time_limit=time_limit,
                accept_delivery_limit_risk=accept_delivery_limit_risk,
                cancel=cancel,
                channel_prefetch=channel_prefetch,
                exhausted=self._ctx.exhausted(facts),
            )
        self._ctx.remember_returns(facts, result.returned, whole_queue=result.took_every_ready)
        return result

    def history_copies(self, message_ids: Sequence[str | None]) -> dict[str, PaymentEvent]:
        """Events the tap already stored for these message ids: show them, not the broker's."""
        if not self._ctx.db_path.is_file():
            return {}
        try:
            return events_by_id(self._ctx.db_path, [m for m in message_ids if m])
        except StoreError as exc:  # an extra beside the broker's copy: browse without it
            log.info("history copies not read: %s", exc)
            return {}

    # -- plans (previews) ----------------------------------------------------------------------

    def plan_move(
        self, source: str, destination: Destination, selection: Selection | None = None
    ) -> Plan:
        with self._source(Action.MOVE, source, destination.describe()) as found:
            plan = plan_move(found.connection, found.facts, destination, selection or Selection())
        return self._checked(plan)

    def plan_dead_letter(
        self,
        queue: str,
        selection: Selection | None = None,
        parking_queue: str | None = None,
        *,
        create_parking_queue: bool = False,
    ) -> Plan:
        with self._source(Action.DEAD_LETTER, queue, parking_queue or "") as found:
            plan = plan_dead_letter(
                found.connection,
                found.client,
                found.facts,
                selection or Selection(),
                parking_queue,
                create_parking_queue,
            )
        return self._checked(plan)

    def plan_send_home(
        self,
        queue: str,
        selection: Selection | None = None,
        *,
        destination: Destination | None = None,
        target: HomeTarget = HomeTarget.QUEUE,
        retry_limit: int = DEFAULT_RETRY_LIMIT,
        override_retry_limit: bool = False,
    ) -> Plan:
        selection = selection or Selection()
        spec = SendHomeSpec(
            queue, selection, destination, target, retry_limit, override_retry_limit
        )
        where = destination.describe() if destination else ""
        with self._source(Action.REQUEUE, queue, where) as found:
            connection, facts = found.connection, found.facts
            wanted = min(selection.count or SEND_HOME_PREVIEW, SEND_HOME_PREVIEW)
            seen = browsing.preview(connection, facts, wanted, self._ctx.exhausted(facts), 2.0)
            self._ctx.remember_returns(facts, seen.returned)
            plan = plan_send_home(connection, facts, spec, seen.messages)
        if seen.note:
            plan = replace(plan, warnings=(*plan.warnings, seen.note))
        return self._checked(plan)

    def plan_replay(
        self,
        events: Sequence[PaymentEvent | str],
        *,
        reason: str,
        destination: Destination | None = None,
        overrides: Collection[str] = (),
    ) -> Plan:
        """Replay stored events (PaymentEvent rows, or event ids looked up in the history)."""
        ids = [e for e in events if isinstance(e, str)]
        db_path = self._ctx.db_path
        try:
            found = events_by_id(db_path, ids) if ids else {}
            rows = [e for e in events if isinstance(e, PaymentEvent)] + list(found.values())
            with AuditLog(db_path, readonly=True) as audit:
                replayed = audit.mentioning(Action.REPLAY.value, [e.event_id for e in rows])
            succeeded = succeeded_payments(db_path, (e.payment_id for e in rows))
        except StoreError as exc:
            raise OperationError(
                f"cannot replay: the history cannot be read ({exc}); nothing was sent"
            ) from exc
        profile = self._ctx.profile
        kafka = profile_kafka_targets(profile.name, profile.kafka, rows, destination)
        exchanges = {destination.exchange} if destination else {e.exchange for e in rows}
        if destination is None or destination.is_kafka:
            exchanges = {e.exchange for e in rows if e.event_id not in kafka}
        missing: set[str] = set()
        if exchanges:  # Kafka records alone need no RabbitMQ
            with self._connection() as connection:
                missing = {x for x in exchanges if not exchange_exists(connection, x)}
        plan = plan_replay(
            rows,
            operator=self._ctx.operator,
            reason=reason,
            succeeded=succeeded,
            replayed=replayed,
            destination=destination,
            missing_exchanges=missing,
            overrides=overrides,
            unknown_event_ids=[i for i in ids if i not in found],
            kafka_targets=kafka,
            kafka_message=kafka_replay_message,
        )
        return self._checked(plan)

    def plan_payment_replay(
        self,
        payment_ids: Sequence[str] = (),
        *,
        event_filter: EventFilter | None = None,
        reason: str,
        destination: Destination | None = None,
        overrides: Collection[str] = (),
        limit: int = MAX_PAYMENTS,
        now: datetime | None = None,
    ) -> Plan:
        """Replay payments (by id, or those with an event `event_filter` matches): each one's
        request re-sent, guarded per payment (payment_replay.py); `destination` overrides the
        profile's replay destination and the requests' own."""
        choice = PaymentChoice(tuple(payment_ids), event_filter, limit)
        try:
            with audited_refusals(self._ctx, Action.REPLAY, "history", ""):
                plan = read_payment_plan(
                    self._ctx,
                    self._connection,
                    choice,
                    reason=reason,
                    destination=destination,
                    overrides=overrides,
                    now=now or datetime.now(UTC),
                )
        except StoreError as exc:
            raise OperationError(
                f"cannot replay: the history cannot be read ({exc}); nothing was sent"
            ) from exc
        return self._checked(plan)

    def plan_kafka_dead_letter(
        self, event_ids: Sequence[str], *, reason: str, topic: str | None = None
    ) -> Plan:
        """Copy Kafka records the history holds to their dead-letter topic (`<topic>.dlq`, or
        `topic`): kafka_dead_letter.py. The records stay on their topic."""
        ctx = self._ctx
        try:
            with audited_refusals(ctx, Action.DEAD_LETTER, "history", topic or ""):
                plan = read_kafka_dead_letter_plan(
                    ctx.db_path, ctx.profile.name, ctx.profile.kafka, event_ids,
                    operator=ctx.operator, reason=reason, topic=topic,
                )  # fmt: skip
        except StoreError as exc:
            raise OperationError(
                f"cannot dead-letter: the history cannot be read ({exc}); nothing was sent"
            ) from exc
        return self._checked(plan)

    def plan_purge(self, queue: str) -> Plan:
        with self._source(Action.PURGE, queue, "") as found:
            plan = plan_purge(found.facts)
        return self._checked(plan)

    def plan_declare_queue(self, spec: DeclareQueueSpec) -> Plan:
        """Create a queue (queue_arguments.queue_spec builds `spec`); never one that exists."""
        with (
            audited_refusals(self._ctx, Action.DECLARE_QUEUE, spec.queue, ""),
            self._connection() as connection,
        ):
            plan = plan_declare_queue(connection, self._ctx.management(), spec)
        return self._checked(plan)

    def plan_test_message(self, draft: MessageDraft) -> Plan:
        """Publish one typed message, mandatory and confirmed; the tracer says where it goes."""
        where = draft.destination.describe()
        with (
            audited_refusals(self._ctx, Action.PUBLISH_TEST, TEST_SOURCE, where),
            self._connection() as connection,
        ):
            plan = plan_test_message(connection, self._ctx.management(), self._ctx.operator, draft)
        return self._checked(plan)

    # -- execution ----------------------------------------------------------------------------

    def execute(
        self,
        plan: Plan,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        rate_limit: float | None = None,
    ) -> OperationResult:
        """Run `plan` (audit first, see execution.py); the outcomes, with the audit record's id.
        A replay with nothing for RabbitMQ opens no RabbitMQ connection (kafka_execution.py)."""
        if without_rabbitmq(plan):
            return execute_kafka_replay(self._ctx, plan, on_progress, cancel, rate_limit)
        return execute_plan(self._ctx, plan, on_progress, cancel, rate_limit)

    # -- internals ----------------------------------------------------------------------------

    @contextmanager
    def _source(self, action: Action, queue: str, destination: str) -> Iterator[_Source]:
        """The source queue as a plan reads it: refusals audited, its own connection."""
        with (
            audited_refusals(self._ctx, action, queue, destination),
            self._connection() as connection,
        ):
            client = self._ctx.management()
            yield _Source(connection, client, read_queue_facts(connection, client, queue))

    def _connection(self) -> AbstractContextManager[BlockingConnection]:
        return broker_connection(self._ctx)

    def _checked(self, plan: Plan) -> Plan:
        """The plan, saying now if its audit record could not be written (it would not run)."""
        return replace(plan, audit_problem=audit_problem(self._ctx.db_path))
