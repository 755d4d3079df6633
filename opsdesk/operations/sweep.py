"""The engine under move, dead-letter and send-home: walk a queue snapshot, act, lose nothing.

The source queue is consumed with `exclusive=True` (a second desk is refused with 403) and
manual acks. For each delivery the selector decides whether it is one to act on; the handler
says what to do with it: publish a copy (on a separate confirm-mode channel, mandatory), reject
it into the queue's dead-letter exchange, or leave it. A source message is acked only after its
copy was confirmed. Everything else (passed over, refused, unroutable, nacked, unconfirmed) is
held unacked and returned with one `basic.nack(multiple, requeue)` at the end, so it goes back
to its place and never comes round again during the sweep.

At most `snapshot` deliveries are taken (the ready count read before starting), so messages
published during the sweep are left alone and the sweep ends. A crash mid-way returns every
unacked message to the queue; a copy confirmed but not yet acked at its source then exists
twice (same message_id): duplicates are bounded by the confirm window.

On a quorum queue whose returns count towards its delivery limit each message that goes back is
one delivery more: see sweep_returns.py (what is held, where to stop) and sweep_ending.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

import pika
import pika.exceptions
import pika.spec
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.broker.access_refused import missing_permission
from opsdesk.broker.failure_text import describe_broker_failure
from opsdesk.broker.pika_compat import ack_unflushed, reject_unflushed
from opsdesk.operations.confirms import Confirmation, ConfirmingPublisher
from opsdesk.operations.errors import consume_refused
from opsdesk.operations.plan import (
    Destination,
    OutcomeStatus,
    ProgressCallback,
)
from opsdesk.operations.selection import Selector
from opsdesk.operations.sweep_ending import SweepEnding
from opsdesk.operations.sweep_limits import IO_WAIT, Delivery, Pending, SweepLimits
from opsdesk.operations.sweep_report import ProgressThrottle, SweepReport
from opsdesk.operations.sweep_returns import SweepReturns
from opsdesk.operations.verdicts import Handler, Leave, Reject, SweptMessage

log = logging.getLogger(__name__)

MAX_PREFETCH = 65535  # basic.qos prefetch_count is a 16-bit field
# Messages a filtered sweep passes over stay unacked (held) until the end, and each one takes a
# prefetch slot: this many may be held at once (the broker sends up to this many, so it also
# bounds memory). A sweep whose held messages fill it stops and says so.
MAX_HELD = 20_000
# A filtered sweep on a queue whose returns count holds at most this many (see _prefetch).
COUNTED_PREFETCH = 1000
BATCH = 100  # deliveries handled between two turns of I/O, so publishes go out steadily


class Sweep(SweepEnding):
    """One run over one queue on `connection` (which must stay on this thread)."""

    def __init__(
        self,
        connection: BlockingConnection,
        queue: str,
        selector: Selector,
        handler: Handler,
        limits: SweepLimits,
        cancel: threading.Event | None = None,
        on_progress: ProgressCallback | None = None,
        total: int = 0,
        returns: SweepReturns | None = None,
    ) -> None:
        self._connection = connection
        self._queue = queue
        self._selector = selector
        self._handler = handler
        self._limits = limits
        self._cancel = cancel or threading.Event()
        self._progress = ProgressThrottle(on_progress, total)
        self._report = SweepReport()
        self._pending: dict[int, Pending] = {}
        self._handled: set[str] = set()
        self._started = 0.0
        self._returns = returns or SweepReturns()
        self._arrivals: deque[Delivery] = deque()
        self._deferred: list[tuple[Pending, Confirmation[int]]] | None = None

    def run(self) -> SweepReport:
        if self._limits.snapshot <= 0:
            return self._report
        channel = self._connection.channel()
        publisher: ConfirmingPublisher[int] = ConfirmingPublisher(self._connection)
        try:
            channel.basic_qos(prefetch_count=self._prefetch())
            try:
                self._consume(channel, publisher)
            except pika.exceptions.ChannelClosedByBroker as exc:
                if not self._pending and self._report.examined == 0:
                    refusal = consume_refused(self._queue, exc.reply_code, exc.reply_text)
                    if refusal is None:
                        raise
                    raise refusal from exc
                refused = missing_permission(exc.reply_text, exc) or exc.reply_text
                self._stopped(f"the broker closed the channel: {refused}", publisher)
                return self._report
            except pika.exceptions.AMQPConnectionError as exc:
                self._stopped(describe_broker_failure(exc), publisher)
                return self._report
            if self._returns.guards:
                self._end_counted(channel, publisher)
            else:
                self._settle(publisher.wait(self._limits.confirm_timeout_s), channel)
                self._return_held(channel)
            self._report_missing()
        finally:
            publisher.close()
            if channel.is_open:
                channel.close()
            self._progress(self._report, force=True)
        return self._report

    def _prefetch(self) -> int:
        # Without a filter nothing is passed over, so only the confirm window needs slots
        # (plus the failures, which are held too: if they fill it the sweep ends, see below).
        room = MAX_HELD if self._selector.passes_over else 2 * self._limits.window
        if self._returns.guards and self._selector.passes_over:
            # A passed-over message goes back, one delivery more: so does one delivered but
            # not yet examined when the sweep ends (an unneeded one that had no return left is
            # dead-lettered by that; one the plan takes is acted on instead, sweep_ending.py).
            room = min(room, COUNTED_PREFETCH)
        return max(1, min(self._limits.snapshot, room, MAX_PREFETCH))

    # -- the loop -----------------------------------------------------------------------------

    def _consume(self, channel: BlockingChannel, publisher: ConfirmingPublisher[int]) -> None:
        # Deliveries are queued by pika's dispatch and taken here in batches while the confirm
        # window has room; the I/O wait ends as soon as a confirm or a delivery arrives.
        arrivals = self._arrivals
        channel.basic_consume(
            self._queue, lambda _ch, m, p, b: arrivals.append((m, p, b)), exclusive=True
        )
        self._started = last_arrival = time.monotonic()
        next_slot = self._started
        while True:
            room = publisher.in_flight < self._limits.window
            publisher.pump(0 if arrivals and room else IO_WAIT)
            self._settle(publisher.poll(), channel)
            now = time.monotonic()
            if not arrivals:
                if self._should_stop(publisher):
                    return
                if now - last_arrival > self._limits.idle_end_s and not publisher.in_flight:
                    self._note_idle_end()
                    return
                continue
            last_arrival = now
            for _ in range(BATCH):
                self._settle(publisher.poll(), channel)  # pacing may have let confirms in
                if self._should_stop(publisher):
                    return
                if not arrivals or publisher.in_flight >= self._limits.window:
                    break
                next_slot, ended = self._examine(channel, publisher, arrivals.popleft(), next_slot)
                if ended:
                    return

    def _should_stop(self, publisher: ConfirmingPublisher[int]) -> bool:
        if self._cancel.is_set():
            self._report.cancelled = True
        elif not publisher.is_open:
            self._report.error = f"cannot publish: {publisher.closed_reason}"
        elif time.monotonic() - self._started > self._limits.max_duration_s:
            self._report.notes.append(
                f"stopped after {self._limits.max_duration_s:.0f}s to stay inside the broker's "
                "consumer timeout; run the operation again for the rest"
            )
        else:
            return False
        return True

    def _note_idle_end(self) -> None:
        self._report.notes.append(
            f"ended after examining {self._report.examined} of {self._limits.snapshot}: "
            f"no message arrived for {self._limits.idle_end_s:g}s (expired, taken by "
            f"someone else, or {self._prefetch()} held back); run it again for the rest"
        )

    def _examine(
        self,
        channel: BlockingChannel,
        publisher: ConfirmingPublisher[int],
        delivery: Delivery,
        next_slot: float,
    ) -> tuple[float, bool]:
        """Act on one delivery if it is selected; also says whether the sweep has ended."""
        method, props, body = delivery
        self._report.examined += 1
        message = SweptMessage.of(method, props, body)
        tag = method.delivery_tag
        position = self._report.examined - 1
        self._returns.took(tag, position, message.key, props.message_id, props.headers)
        if message.redelivered and message.key in self._handled:
            # It came round again (someone requeued it behind us): the snapshot is done.
            self._report.notes.append(f"message {message.key} came round again: ended")
            return next_slot, True
        if self._selector.take(message.key, message.routing_key, props, body):
            next_slot = self._act(channel, publisher, method, message, next_slot)
        if tag not in self._pending and (stop := self._returns.stop_at(tag)) is not None:
            self._report.limit_stop = stop
            self._report.notes.append(stop.describe())
            return next_slot, True
        self._progress(self._report)
        ended = self._report.examined >= self._limits.snapshot or self._selector.satisfied
        return next_slot, ended

    def _act(
        self,
        channel: BlockingChannel,
        publisher: ConfirmingPublisher[int],
        method: pika.spec.Basic.Deliver,
        message: SweptMessage,
        next_slot: float,
    ) -> float:
        verdict = self._handler.verdict(message)
        if isinstance(verdict, Leave):
            self._record(message, OutcomeStatus.REFUSED, None, verdict.reason)
            return next_slot
        next_slot = self._pace(next_slot)
        if isinstance(verdict, Reject):
            reject_unflushed(channel, method.delivery_tag)
            self._returns.settled(method.delivery_tag)
            self._handled.add(message.key)
            self._record(message, OutcomeStatus.DONE, verdict.destination, "")
            return next_slot
        if not publisher.is_open:
            # The loop stops at the next message; this one stays held and goes back.
            why = f"not attempted: {publisher.closed_reason}"
            self._record(message, OutcomeStatus.SKIPPED, verdict.destination, why)
            return next_slot
        publisher.publish(
            method.delivery_tag,
            verdict.destination.exchange,
            verdict.wire_routing_key,
            verdict.body,
            verdict.properties,
        )
        self._pending[method.delivery_tag] = Pending(
            message.key, message.properties.message_id, verdict.destination
        )
        self._handled.add(message.key)
        return next_slot

    def _pace(self, next_slot: float) -> float:
        rate = self._limits.rate_limit
        if not rate or rate <= 0:
            return next_slot
        delay = next_slot - time.monotonic()
        if delay > 0:
            self._connection.sleep(delay)  # keeps heartbeats and confirms flowing
        return max(next_slot, time.monotonic() - 1.0 / rate) + 1.0 / rate

    def _settle(
        self,
        confirmations: list[Confirmation[int]],
        channel: BlockingChannel,
        deferred: list[tuple[Pending, Confirmation[int]]] | None = None,
        acked: bool = False,
    ) -> None:
        """Ack each confirmed copy's source and record outcomes; `deferred`: confirmations
        held back while ending (sweep_ending.py), `acked`: their acks went out already."""
        held_back = {c.token: p for p, c in deferred or []}
        for confirmation in confirmations:
            pending = self._pending.pop(confirmation.token, None) or held_back.get(
                confirmation.token
            )
            if pending is None:
                continue
            if confirmation.status is OutcomeStatus.DONE and self._deferred is not None:
                self._deferred.append((pending, confirmation))
                continue
            if confirmation.status is OutcomeStatus.DONE and channel.is_open:
                if not acked:
                    ack_unflushed(channel, confirmation.token)
                self._returns.settled(confirmation.token)
            elif confirmation.status is OutcomeStatus.DONE:
                confirmation = Confirmation(
                    confirmation.token,
                    OutcomeStatus.UNCONFIRMED,
                    "copy confirmed but the source channel closed: the message is in both queues",
                )
            self._record_pending(pending, confirmation)

    def _report_missing(self) -> None:
        stopped = self._report.cancelled or self._report.error is not None
        why = "not reached before the operation stopped" if stopped else "not found in the queue"
        for key in self._selector.missing():
            self._report.record(key, OutcomeStatus.SKIPPED, None, None, why)

    def _stopped(self, reason: str, publisher: ConfirmingPublisher[int]) -> None:
        # The broker returns every unacked source message to its queue by itself.
        self._report.error = reason
        for confirmation in publisher.abandon(reason):
            pending = self._pending.pop(confirmation.token, None)
            if pending is not None:
                self._record_pending(pending, confirmation)
        self._account_returns()

    def _record(
        self,
        message: SweptMessage,
        status: OutcomeStatus,
        destination: Destination | None,
        detail: str,
    ) -> None:
        message_id = message.properties.message_id
        self._report.record(message.key, status, message_id, destination, detail)

    def _record_pending(self, pending: Pending, confirmation: Confirmation[int]) -> None:
        self._report.record(
            pending.key,
            confirmation.status,
            pending.message_id,
            pending.destination,
            confirmation.detail,
        )
