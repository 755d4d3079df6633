"""The simulated payment service: consumes payment requests, dead-letters what it cannot read.

It answers requests opsdesk replayed with the payment's next outcome (attempts.py says how),
published with confirms to the payments exchange before the request is acked.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import Counter
from dataclasses import replace
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError, UnroutableError
from pika.spec import Basic, BasicProperties

from opsdesk.broker.connection import connection_parameters
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.events.replay_headers import REPLAY_OF
from opsdesk.simulator.attempts import (
    IdempotencyLedger,
    Reply,
    answer_of,
    new_attempt,
    outcome_message,
)
from opsdesk.simulator.publisher import message_properties
from opsdesk.simulator.topology import message_count
from opsdesk.simulator.traffic import SimulatedMessage, utc_now

log = logging.getLogger(__name__)


def payment_request(body: bytes) -> dict[str, Any] | None:
    """A UTF-8 JSON object naming a payment; None for everything else, which is poison."""
    try:
        decoded = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(decoded, dict) and isinstance(decoded.get("payment_id"), str):
        return decoded
    return None


def is_payment(body: bytes) -> bool:
    return payment_request(body) is not None


class PaymentProcessor:
    """Consumer thread with its own connection (pika connections are not thread-safe)."""

    def __init__(
        self,
        endpoint: BrokerEndpoint,
        queue: str,
        exchange: str,
        retry_success_rate: float = 0.7,
        rng: random.Random | None = None,
        prefetch: int = 100,
    ) -> None:
        self._endpoint = replace(endpoint, connection_name="opsdesk-simulator-processor")
        self._queue = queue
        self._exchange = exchange  # where outcomes go
        self._retry_success_rate = retry_success_rate
        self._rng = rng or random.Random()  # used by the worker thread only
        self._prefetch = prefetch
        self._ledger = IdempotencyLedger()
        self._outcomes: BlockingChannel | None = None
        self._stop = threading.Event()
        self._drain_timeout = 0.0
        self.consuming = threading.Event()  # set once the consumer is registered
        self.acked = 0  # written by the worker thread only
        self.rejected = 0
        self.replies: Counter[str] = Counter()  # replayed requests by answer: succeeded, ...
        self._thread = threading.Thread(target=self._run, name="simulated-processor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def remember(self, message: SimulatedMessage) -> None:
        """Note an outcome the generator publishes for this service; other events are ignored.

        Called before the outcome is published, so no replay can outrun it.
        """
        known = answer_of(message)
        if known is not None:
            self._ledger.remember(*known)

    def stop(self, drain_timeout: float = 0.0) -> None:
        """Ask the thread to finish; it first empties the queue for up to `drain_timeout` s."""
        self._drain_timeout = drain_timeout
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("processor thread did not finish within %s s", timeout)

    def _run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                self._consume()
                return
            except AMQPError as exc:
                if self._stop.is_set():
                    return
                # pika has no automatic recovery; a demo should survive a broker restart.
                log.warning("processor lost the broker (%r); retrying in %.0f s", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _consume(self) -> None:
        connection = pika.BlockingConnection(connection_parameters(self._endpoint))
        try:
            self._outcomes = connection.channel()
            self._outcomes.confirm_delivery()
            channel = connection.channel()
            channel.basic_qos(prefetch_count=self._prefetch)
            channel.basic_consume(self._queue, self._on_message)
            self.consuming.set()
            log.debug("processor consuming %s", self._queue)
            while not self._stop.is_set():
                connection.process_data_events(time_limit=0.2)
            self._drain(connection, channel)
        finally:
            if connection.is_open:
                try:
                    connection.close()
                except AMQPError as exc:
                    log.debug("processor connection did not close cleanly: %r", exc)

    def _drain(self, connection: BlockingConnection, channel: BlockingChannel) -> None:
        deadline = time.monotonic() + self._drain_timeout
        while time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.05)
            # Deliveries sent before the declare-ok are already buffered on this channel.
            if message_count(channel, self._queue) == 0:
                connection.process_data_events(time_limit=0)
                return

    def _on_message(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        request = payment_request(body)
        if request is not None:
            self._answer(request, properties)
            channel.basic_ack(method.delivery_tag)
            self.acked += 1
        else:
            # The broker dead-letters it atomically to the queue's x-dead-letter-exchange.
            channel.basic_reject(method.delivery_tag, requeue=False)
            self.rejected += 1
            log.debug("processor dead-lettered message %s", properties.message_id)

    def _answer(self, request: dict[str, Any], properties: BasicProperties) -> None:
        """Publish what a replayed request gets (attempts.py), before its ack."""
        key = request.get("idempotency_key")
        key = key if isinstance(key, str) else None
        replay = REPLAY_OF in (properties.headers or {})
        reply, earlier = self._ledger.reply_to(key, replay, properties.message_id)
        if reply is Reply.NOTHING:
            return
        payment = request["payment_id"]
        if reply is Reply.IN_PROGRESS:
            log.info("replay of payment %s ignored: its first attempt is in progress", payment)
            self.replies["in_progress"] += 1
        elif reply is Reply.REPEAT:
            assert earlier is not None
            self._publish(outcome_message(request, earlier, repeat=True))
            self.replies["repeated"] += 1
        else:
            answer = new_attempt(
                self._rng, self._retry_success_rate, earlier, properties.message_id, utc_now()
            )
            self._publish(outcome_message(request, answer))
            # Remembered once confirmed: a redelivery after a lost link tries again.
            if key is not None:
                self._ledger.remember(key, answer)
            self.replies[answer.event_type.removeprefix("payment.")] += 1
            log.debug("replay of payment %s: %s", payment, answer.event_type)

    def _publish(self, message: SimulatedMessage) -> None:
        assert self._outcomes is not None
        try:
            self._outcomes.basic_publish(
                self._exchange,
                message.routing_key,
                message.body,
                message_properties(message),
                mandatory=True,
            )
        except UnroutableError:
            # The exchange's alternate exchange takes what no queue is bound for, so this
            # means someone re-declared it without one: the outcome is lost, say so.
            log.warning("outcome %s of a replay routed nowhere", message.message_id)
