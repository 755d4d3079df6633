"""The one entry point for operator actions: plan (a dry run), then execute, always audited.

Use an `Operations` from one worker thread (each call opens its own broker connection). Plans
never write to the broker and are allowed on read-only profiles; `execute` refuses there.
Every execution, and every refusal, writes one audit record.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pika.exceptions
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.config import Profile
from opsdesk.events.model import PaymentEvent
from opsdesk.operations import browse as browsing
from opsdesk.operations.audit_trail import audit_refusal, audit_result, describe_broker_error
from opsdesk.operations.context import OperationContext
from opsdesk.operations.dead_letter import plan_dead_letter, run_dead_letter
from opsdesk.operations.errors import OperationError, ReadOnlyProfile, Refused
from opsdesk.operations.history_lookup import events_by_id, succeeded_payments
from opsdesk.operations.move import plan_move, run_move
from opsdesk.operations.plan import (
    Action,
    Destination,
    OperationResult,
    Plan,
    ProgressCallback,
)
from opsdesk.operations.purge import plan_purge, run_purge
from opsdesk.operations.queue_facts import (
    QueueFacts,
    exchange_exists,
    read_queue_facts,
    server_version,
)
from opsdesk.operations.replay import plan_replay, run_replay
from opsdesk.operations.selection import Selection
from opsdesk.operations.send_home import (
    DEFAULT_RETRY_LIMIT,
    HomeTarget,
    SendHomeSpec,
    plan_send_home,
    run_send_home,
)
from opsdesk.operations.sweep import SweepReport
from opsdesk.store.audit import AuditLog

log = logging.getLogger(__name__)

SEND_HOME_PREVIEW = 200  # messages browsed to show each one's destination in the plan


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
        time_limit: float = browsing.DEFAULT_TIME_LIMIT,
        accept_delivery_limit_risk: bool = False,
    ) -> browsing.BrowseResult:
        """A page of `queue`, left in place (see browse.py for what browsing does to it)."""
        with self._connection() as connection:
            facts = read_queue_facts(connection, self._ctx.management(), queue)
            return browsing.browse(
                connection,
                facts,
                server_version(connection),
                offset=offset,
                limit=limit,
                time_limit=time_limit,
                accept_delivery_limit_risk=accept_delivery_limit_risk,
            )

    def history_copies(self, message_ids: Sequence[str | None]) -> dict[str, PaymentEvent]:
        """Events the tap already stored for these message ids: show them, not the broker's."""
        if not self._ctx.db_path.is_file():
            return {}
        return events_by_id(self._ctx.db_path, [m for m in message_ids if m])

    # -- plans (dry runs) ---------------------------------------------------------------------

    def plan_move(
        self, source: str, destination: Destination, selection: Selection | None = None
    ) -> Plan:
        with (
            self._refusals(Action.MOVE, source, destination.describe()),
            self._connection() as connection,
        ):
            facts = read_queue_facts(connection, self._ctx.management(), source)
            return plan_move(connection, facts, destination, selection or Selection())

    def plan_dead_letter(
        self, queue: str, selection: Selection | None = None, parking_queue: str | None = None
    ) -> Plan:
        with (
            self._refusals(Action.DEAD_LETTER, queue, parking_queue or ""),
            self._connection() as connection,
        ):
            client = self._ctx.management()
            facts = read_queue_facts(connection, client, queue)
            return plan_dead_letter(
                connection, client, facts, selection or Selection(), parking_queue
            )

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
        with (
            self._refusals(Action.REQUEUE, queue, destination.describe() if destination else ""),
            self._connection() as connection,
        ):
            facts = read_queue_facts(connection, self._ctx.management(), queue)
            wanted = min(selection.count or SEND_HOME_PREVIEW, SEND_HOME_PREVIEW)
            preview, _ = browsing.peek(connection, queue, wanted, facts.ready, time_limit=2.0)
            return plan_send_home(connection, facts, spec, preview)

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
        found = events_by_id(self._ctx.db_path, ids) if ids else {}
        rows = [e for e in events if isinstance(e, PaymentEvent)] + list(found.values())
        with AuditLog(self._ctx.db_path, readonly=True) as audit:
            replayed = audit.mentioning(Action.REPLAY.value, [e.event_id for e in rows])
        exchanges = {destination.exchange} if destination else {e.exchange for e in rows}
        with self._connection() as connection:
            missing = {x for x in exchanges if not exchange_exists(connection, x)}
        return plan_replay(
            rows,
            operator=self._ctx.operator,
            reason=reason,
            succeeded=succeeded_payments(self._ctx.db_path, (e.payment_id for e in rows)),
            replayed=replayed,
            destination=destination,
            missing_exchanges=missing,
            overrides=overrides,
            unknown_event_ids=[i for i in ids if i not in found],
        )

    def plan_purge(self, queue: str) -> Plan:
        with self._refusals(Action.PURGE, queue, ""), self._connection() as connection:
            return plan_purge(read_queue_facts(connection, self._ctx.management(), queue))

    # -- execution ----------------------------------------------------------------------------

    def execute(
        self,
        plan: Plan,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        rate_limit: float | None = None,
    ) -> OperationResult:
        """Run `plan`; the per-message outcomes, with the audit record's id."""
        destination = ", ".join(d.describe() for d in plan.destinations)
        if self._ctx.profile.read_only:
            error = ReadOnlyProfile(self._ctx.profile.name, plan.action.value)
            self._audit_refusal(plan.action, plan.source, destination, str(error))
            raise error
        started = time.monotonic()
        with (
            self._refusals(plan.action, plan.source, destination, outcome="failed"),
            self._connection() as connection,
        ):
            result = self._run(connection, plan, on_progress, cancel, rate_limit)
        result = replace(result, elapsed_s=time.monotonic() - started)
        return self._audit_result(result, destination)

    def _run(
        self,
        connection: BlockingConnection,
        plan: Plan,
        on_progress: ProgressCallback | None,
        cancel: threading.Event | None,
        rate_limit: float | None,
    ) -> OperationResult:
        options: dict[str, Any] = {
            "cancel": cancel,
            "on_progress": on_progress,
            "rate_limit": rate_limit,
        }
        if plan.action is Action.REPLAY:
            outcomes, cancelled = run_replay(connection, plan, **options)
            return OperationResult(plan, tuple(outcomes), len(outcomes), cancelled)
        if plan.action is Action.PURGE:
            purged = run_purge(connection, plan)
            return OperationResult(plan, (), purged, notes=(f"{purged} message(s) purged",))
        client = self._ctx.management()
        facts = read_queue_facts(connection, client, plan.source)
        operator = self._ctx.operator
        report: SweepReport
        if plan.action is Action.MOVE:
            report = run_move(connection, plan, facts, operator, **options)
        elif plan.action is Action.DEAD_LETTER:
            report = run_dead_letter(connection, client, plan, facts, operator, **options)
        elif plan.action is Action.REQUEUE:
            report = run_send_home(connection, plan, facts, operator, **options)
        else:
            raise Refused(f"unknown action {plan.action!r}")
        return OperationResult(
            plan,
            tuple(report.outcomes),
            report.examined,
            report.cancelled,
            report.error,
            tuple(report.notes),
        )

    # -- audit --------------------------------------------------------------------------------

    def _audit_result(self, result: OperationResult, destination: str) -> OperationResult:
        return audit_result(self._ctx.db_path, self._ctx.operator, result, destination)

    def _audit_refusal(self, action: Action, source: str, destination: str, reason: str) -> None:
        self._write_refusal(action, source, destination, reason, "refused")

    def _write_refusal(
        self, action: Action, source: str, destination: str, reason: str, outcome: str
    ) -> None:
        audit_refusal(
            self._ctx.db_path, self._ctx.operator, action, source, destination, reason, outcome
        )

    @contextmanager
    def _refusals(
        self, action: Action, source: str, destination: str, outcome: str = "refused"
    ) -> Iterator[None]:
        """Audit a refusal (Refused while planning; any failure while executing) and re-raise.

        Broker errors come out as OperationError, so callers handle one exception type.
        """
        executing = outcome == "failed"
        try:
            yield
        except Refused as exc:
            self._write_refusal(action, source, destination, str(exc), "refused")
            raise
        except OperationError as exc:
            if executing:
                self._write_refusal(action, source, destination, str(exc), "refused")
            raise
        except pika.exceptions.AMQPError as exc:
            reason = describe_broker_error(exc)
            if executing:
                self._write_refusal(action, source, destination, reason, "failed")
            raise OperationError(f"broker error: {reason}") from exc

    @contextmanager
    def _connection(self) -> Iterator[BlockingConnection]:
        try:
            connection = self._ctx.connect()
        except pika.exceptions.AMQPConnectionError as exc:
            raise OperationError(
                f"cannot reach the broker at {self._ctx.profile.endpoint.redacted_url()}: {exc!r}"
            ) from exc
        try:
            yield connection
        finally:
            if connection.is_open:
                try:
                    connection.close()
                except pika.exceptions.AMQPError as exc:
                    log.debug("closing the operations connection failed: %s", exc)
