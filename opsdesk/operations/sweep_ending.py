"""How a sweep ends: what it holds goes back, and on a quorum queue nothing goes back blind.

Mixed into Sweep (sweep.py). The usual ending cancels the consumer and nacks what is held. On a
quorum queue whose returns count towards its delivery limit that has two holes:
- pika rejects (requeue), unseen, what arrives for a consumer it is cancelling; a reject
  counts, and a message that had no return left is dead-lettered by it. So acks are held back
  from the moment the sweep ends (an ack would let the broker send one more delivery), what the
  unused prefetch still brings is taken in, and only then is the consumer cancelled;
- a message in hand that has no return left is dead-lettered (or dropped) by going back. So
  it is acted on as the plan says (copied, or dead-lettered as asked) instead.

Then the held-back acks go out, and the rest goes back. Measured on RabbitMQ 3.10.8: a channel
closed right after a burst of 300 single acks on a quorum queue lost 267 of them (the messages
came back, past their limit into the dead-letter exchange): the queue's client holds back
commands beyond a few dozen in flight and drops them when the channel closes. So when
everything held is to be acked, one ack with `multiple` (one command) does it; otherwise the
returns go last and the sweep waits until the queue's ready count shows them (sweep.py).
"""

from __future__ import annotations

import logging
import time
from collections import deque

import pika.spec
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.operations.confirms import Confirmation, ConfirmingPublisher
from opsdesk.operations.selection import Selector
from opsdesk.operations.sweep_limits import IO_WAIT, Delivery, Pending, SweepLimits
from opsdesk.operations.sweep_report import SweepReport
from opsdesk.operations.sweep_returns import SweepReturns
from opsdesk.operations.verdicts import SweptMessage

log = logging.getLogger(__name__)

QUIET_S = 0.25  # no delivery this long while ending: the broker has nothing more to send
RETURNS_APPLIED_S = 5.0  # longest wait for a quorum queue to show what a sweep handed back
SHOWN = 5  # message ids named in a note


class SweepEnding:
    """The ending of a sweep (Sweep provides the rest)."""

    _connection: BlockingConnection
    _queue: str
    _limits: SweepLimits
    _arrivals: deque[Delivery]
    _returns: SweepReturns
    _report: SweepReport
    _selector: Selector
    # Confirmed copies whose source acks wait until the consumer is cancelled.
    _deferred: list[tuple[Pending, Confirmation[int]]] | None

    def _settle(
        self,
        confirmations: list[Confirmation[int]],
        channel: BlockingChannel,
        deferred: list[tuple[Pending, Confirmation[int]]] | None = None,
        acked: bool = False,
    ) -> None:
        raise NotImplementedError

    def _act(
        self,
        channel: BlockingChannel,
        publisher: ConfirmingPublisher[int],
        method: pika.spec.Basic.Deliver,
        message: SweptMessage,
        next_slot: float,
    ) -> float:
        raise NotImplementedError

    def _prefetch(self) -> int:
        raise NotImplementedError

    def _end_counted(self, channel: BlockingChannel, publisher: ConfirmingPublisher[int]) -> None:
        """Nothing handed back unseen, and nothing handed back that going back would kill."""
        self._deferred = []
        self._settle(publisher.wait(self._limits.confirm_timeout_s), channel)
        if channel.is_open:
            self._take_in_flight()
            for tag in list(channel.consumer_tags):
                channel.basic_cancel(tag)
        self._finish_doomed(channel, publisher)
        self._settle(publisher.wait(self._limits.confirm_timeout_s), channel)
        deferred, self._deferred = self._deferred, None
        self._ack_deferred(channel, deferred)
        self._return_held(channel)

    def _take_in_flight(self) -> None:
        """Take what the consumer's unused prefetch lets the broker still send.

        With acks held back the broker stops once the prefetch is used up, or once the queue
        has nothing more for it: then nothing is on its way when the consumer is cancelled.
        """
        prefetch = self._prefetch()
        seen, quiet_since = len(self._arrivals), time.monotonic()
        while self._returns.held + len(self._arrivals) < prefetch:
            if time.monotonic() - quiet_since > QUIET_S:
                return
            self._connection.process_data_events(time_limit=IO_WAIT)
            if len(self._arrivals) != seen:
                seen, quiet_since = len(self._arrivals), time.monotonic()

    def _finish_doomed(self, channel: BlockingChannel, publisher: ConfirmingPublisher[int]) -> None:
        """Act as planned on the messages in hand that going back would dead-letter or drop."""
        remaining: deque[Delivery] = deque()
        finished: list[str] = []
        next_slot = time.monotonic()
        while self._arrivals:
            method, props, body = delivery = self._arrivals.popleft()
            within = self._report.examined < self._limits.snapshot
            if not (within and channel.is_open and self._returns.would_dead_letter(props.headers)):
                remaining.append(delivery)
                continue
            while publisher.is_open and publisher.in_flight >= self._limits.window:
                publisher.pump(IO_WAIT)
                self._settle(publisher.poll(), channel)
            self._report.examined += 1
            message = SweptMessage.of(method, props, body)
            position = self._report.examined - 1
            self._returns.took(
                method.delivery_tag, position, message.key, props.message_id, props.headers
            )
            if self._selector.take(message.key, message.routing_key, props, body):
                next_slot = self._act(channel, publisher, method, message, next_slot)
                finished.append(props.message_id or message.key)
        self._arrivals = remaining
        if finished:
            more = len(finished) - SHOWN
            names = ", ".join(finished[:SHOWN]) + (f" and {more:,} more" if more > 0 else "")
            self._report.notes.append(
                f"{len(finished):,} message(s) in hand when it stopped had no return left, so "
                f"they were acted on as planned rather than handed back: {names}"
            )

    def _ack_deferred(
        self, channel: BlockingChannel, deferred: list[tuple[Pending, Confirmation[int]]]
    ) -> None:
        if not deferred:
            return
        confirmations = [confirmation for _, confirmation in deferred]
        everything = self._returns.held == len(deferred) and not self._arrivals
        if channel.is_open and everything:
            channel.basic_ack(0, multiple=True)  # one command for all: see the module's doc
            self._settle(confirmations, channel, deferred, acked=True)
        else:
            self._settle(confirmations, channel, deferred)

    def _return_held(self, channel: BlockingChannel) -> None:
        # basic_cancel rejects (requeue) what pika holds undispatched; the nack returns the
        # rest, including deliveries this sweep queued but never examined.
        if channel.is_open:
            for tag in list(channel.consumer_tags):
                channel.basic_cancel(tag)
            # What comes back to the ready count: not what the return dead-letters.
            returning = sum(
                1 for r in self._returns.handed_back(self._arrivals) if not r.check.dead_letters
            )
            before = self._ready(channel) if returning and self._returns.quorum else None
            channel.basic_nack(0, multiple=True, requeue=True)
            if before is not None:
                self._await_returned(channel, before + returning)
        self._account_returns()

    def _ready(self, channel: BlockingChannel) -> int:
        return int(channel.queue_declare(self._queue, passive=True).method.message_count)

    def _await_returned(self, channel: BlockingChannel, target: int) -> None:
        """Keep the channel open until a quorum queue shows the returns (sweep_ending.py):
        they are its last command, so everything before them has been applied too."""
        deadline = time.monotonic() + RETURNS_APPLIED_S
        while self._ready(channel) < target:
            if time.monotonic() > deadline:
                log.info("%r: handed-back messages not seen back in time", self._queue)
                return
            self._connection.sleep(IO_WAIT)

    def _account_returns(self) -> None:
        returned = self._returns.handed_back(self._arrivals)
        self._report.returned = returned
        self._report.taken_away = list(self._returns.taken_away)
        self._report.notes.extend(self._returns.notes(returned))
