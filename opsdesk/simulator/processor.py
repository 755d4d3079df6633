"""The simulated payment service: consumes payment requests, dead-letters what it cannot read."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import replace

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError
from pika.spec import Basic, BasicProperties

from opsdesk.broker.connection import connection_parameters
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.simulator.topology import message_count

log = logging.getLogger(__name__)


def is_payment(body: bytes) -> bool:
    """True for a UTF-8 JSON object naming a payment; everything else is poison."""
    try:
        decoded = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(decoded, dict) and isinstance(decoded.get("payment_id"), str)


class PaymentProcessor:
    """Consumer thread with its own connection (pika connections are not thread-safe)."""

    def __init__(self, endpoint: BrokerEndpoint, queue: str, prefetch: int = 100) -> None:
        self._endpoint = replace(endpoint, connection_name="opsdesk-simulator-processor")
        self._queue = queue
        self._prefetch = prefetch
        self._stop = threading.Event()
        self._drain_timeout = 0.0
        self.consuming = threading.Event()  # set once the consumer is registered
        self.acked = 0  # written by the worker thread only
        self.rejected = 0
        self._thread = threading.Thread(target=self._run, name="simulated-processor", daemon=True)

    def start(self) -> None:
        self._thread.start()

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
        if is_payment(body):
            channel.basic_ack(method.delivery_tag)
            self.acked += 1
        else:
            # The broker dead-letters it atomically to the queue's x-dead-letter-exchange.
            channel.basic_reject(method.delivery_tag, requeue=False)
            self.rejected += 1
            log.debug("processor dead-lettered message %s", properties.message_id)
