"""Sending a replay plan's messages: mandatory, with publisher confirms, many in flight at once.

Up to WINDOW publishes are in flight while confirms come back (confirms.py), so a replay runs
at the broker's pipelined rate rather than one round trip per message (BROKER-NOTES.md). Each
message is stamped with the time it is published (x-opsdesk-replayed-at), which its outcome
keeps, so the payment's next outcome can be looked for after it (replay_outcomes.py). A rate
limit paces the publishes; a cancel stops before the next one, and what was not sent is
SKIPPED. Every planned item ends with one outcome, in plan order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pika
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.events.replay_headers import REPLAYED_AT
from opsdesk.operations.confirms import Confirmation, ConfirmingPublisher
from opsdesk.operations.message_copy import utc_now_text
from opsdesk.operations.plan import (
    MessageOutcome,
    OutcomeStatus,
    PlannedMessage,
    Progress,
    ReplayMessage,
    ReplaySpec,
    RunOptions,
)
from opsdesk.operations.sweep_report import PROGRESS_INTERVAL

WINDOW = 1000  # publishes in flight at once
BATCH = 100  # publishes between two turns of I/O, so confirms are taken in steadily
IO_WAIT = 0.05  # longest wait for a confirm while the window is full
CONFIRM_TIMEOUT = 15.0


class _Run:
    """One run's bookkeeping: outcomes by message index, progress throttled."""

    def __init__(self, spec: ReplaySpec, items: Sequence[PlannedMessage], options: RunOptions):
        self.messages = spec.messages
        self.options = options
        self.sent_at: dict[int, str] = {}
        self.outcomes: dict[int, MessageOutcome] = {}
        self.done = 0
        self.total = len(items)
        self._last_progress = 0.0
        keys = {i.event_id: i.key for i in items if i.event_id is not None and not i.blocked}
        self.keys = [keys.get(m.event_id, m.event_id) for m in spec.messages]

    def settle(self, confirmations: Sequence[Confirmation[int]]) -> None:
        for confirmation in confirmations:
            index = confirmation.token
            self.outcomes[index] = self.outcome(index, confirmation.status, confirmation.detail)
            if confirmation.status is OutcomeStatus.DONE:
                self.done += 1

    def outcome(self, index: int, status: OutcomeStatus, detail: str) -> MessageOutcome:
        message = self.messages[index]
        new_id = str(message.properties["message_id"])
        return MessageOutcome(
            self.keys[index],
            status,
            new_id,
            message.destination,
            detail,
            message.event_id,
            new_id if index in self.sent_at else None,
            message.payment_id,
            self.sent_at.get(index),
        )

    def progress(self, force: bool = False) -> None:
        on_progress = self.options.on_progress
        now = time.monotonic()
        if on_progress is None or (not force and now - self._last_progress < PROGRESS_INTERVAL):
            return
        self._last_progress = now
        failed = len(self.outcomes) - self.done
        on_progress(Progress(self.done, failed, len(self.sent_at), self.total))


def run_replay(
    connection: BlockingConnection,
    spec: ReplaySpec,
    items: Sequence[PlannedMessage],
    options: RunOptions,
) -> tuple[list[MessageOutcome], bool]:
    """Send the spec's messages; (one outcome per planned item, in order; cancelled)."""
    run = _Run(spec, items, options)
    publisher: ConfirmingPublisher[int] = ConfirmingPublisher(connection)
    cancelled = False
    try:
        cancelled = _publish_all(connection, publisher, run)
        run.settle(publisher.wait(CONFIRM_TIMEOUT))
    finally:
        publisher.close()
    run.progress(force=True)
    payments = {p.payment_id for p in spec.payments}
    return _in_plan_order(run, items, payments), cancelled


def _publish_all(
    connection: BlockingConnection, publisher: ConfirmingPublisher[int], run: _Run
) -> bool:
    """Publish every message (True when cancelled first); confirms are settled as they come."""
    cancel, rate = run.options.cancel, run.options.rate_limit
    interval = 1.0 / rate if rate and rate > 0 else 0.0
    next_slot = time.monotonic()
    index, count = 0, len(run.messages)
    while index < count:
        if cancel is not None and cancel.is_set():
            return True
        if not publisher.is_open:
            return False
        if publisher.in_flight >= WINDOW:
            publisher.pump(IO_WAIT)
            run.settle(publisher.poll())
            continue
        room = min(BATCH, WINDOW - publisher.in_flight, count - index)
        for _ in range(room):
            if interval:
                delay = next_slot - time.monotonic()
                if delay > 0:
                    connection.sleep(delay)  # keeps heartbeats and confirms flowing
                next_slot = max(next_slot, time.monotonic() - interval) + interval
                if cancel is not None and cancel.is_set():
                    return True
                if not publisher.is_open:  # the wait let the broker's close in
                    return False
            _publish(publisher, run, index)
            index += 1
        publisher.pump(0)
        run.settle(publisher.poll())
        run.progress()
    return False


def _publish(publisher: ConfirmingPublisher[int], run: _Run, index: int) -> None:
    message: ReplayMessage = run.messages[index]
    sent_at = utc_now_text()
    headers = {**message.headers, REPLAYED_AT: sent_at}
    props = pika.BasicProperties(headers=headers, **message.properties)
    dest = message.destination
    publisher.publish(index, dest.exchange, dest.routing_key, message.body, props)
    run.sent_at[index] = sent_at


def _in_plan_order(
    run: _Run, items: Sequence[PlannedMessage], payments: set[str]
) -> list[MessageOutcome]:
    by_key: dict[str, MessageOutcome] = {}
    for index in range(len(run.messages)):
        outcome = run.outcomes.get(index)
        if outcome is None:
            why = "not sent: the replay was cancelled or stopped first"
            outcome = run.outcome(index, OutcomeStatus.SKIPPED, why)
        by_key[outcome.key] = outcome
    result = []
    for item in items:
        outcome = by_key.get(item.key)
        if outcome is None:  # blocked by a guard or refused: never sent
            why = item.refusal or "; ".join(g.detail for g in item.guards if not g.overridden)
            payment_id = item.key if item.key in payments else None
            outcome = MessageOutcome(
                item.key,
                OutcomeStatus.REFUSED,
                None,
                item.destination,
                why,
                item.event_id,
                payment_id=payment_id,
            )
        result.append(outcome)
    return result
