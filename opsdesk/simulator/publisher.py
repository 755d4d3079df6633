"""The simulator's publishing side: confirms, mandatory routing, reconnect after a lost link.

pika's BlockingChannel waits for each confirm, and a persistent message into a durable queue
is confirmed after the disk write: about 700-900 messages/s locally, far above the default 20/s.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPChannelError, AMQPConnectionError, NackError, UnroutableError

from opsdesk.broker.connection import connection_parameters
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.simulator.topology import SimulatedTopology, declare
from opsdesk.simulator.traffic import APP_ID, SimulatedMessage

log = logging.getLogger(__name__)


class PublishStopped(Exception):
    """The stop event was set while waiting to reconnect."""


def message_properties(message: SimulatedMessage) -> pika.BasicProperties:
    """The properties every simulated payment service sends: persistent, typed, by payment."""
    return pika.BasicProperties(
        message_id=message.message_id,
        content_type=message.content_type,
        delivery_mode=pika.DeliveryMode.Persistent,
        timestamp=int(time.time()),
        app_id=APP_ID,
        type=message.event_type,
        correlation_id=message.payment_id,
        headers=message.headers,
    )


class SimulatedPublisher:
    """One connection, one confirming channel; reconnects and re-declares when the link drops."""

    def __init__(self, endpoint: BrokerEndpoint, topology: SimulatedTopology) -> None:
        self._endpoint = replace(endpoint, connection_name="opsdesk-simulator")
        self._topology = topology
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self.republished = 0
        self._connect()

    def _connect(self) -> None:
        self._connection = pika.BlockingConnection(connection_parameters(self._endpoint))
        self._channel = self._connection.channel()
        declare(self._channel, self._topology)
        self._channel.confirm_delivery()

    def publish(self, message: SimulatedMessage, stop: threading.Event) -> bool:
        """Publish until confirmed; False if the broker returned it as unroutable."""
        properties = message_properties(message)
        backoff = 0.5
        while True:
            try:
                assert self._channel is not None
                self._channel.basic_publish(
                    self._topology.exchange,
                    message.routing_key,
                    message.body,
                    properties,
                    mandatory=True,
                )
                return True
            except UnroutableError:
                return False
            except NackError:
                log.warning("broker nacked message %s; publishing again", message.message_id)
            except (AMQPConnectionError, AMQPChannelError) as exc:
                log.warning("publisher lost the broker (%r); reconnecting", exc)
                backoff = self._reconnect(stop, backoff)
            self.republished += 1

    def _reconnect(self, stop: threading.Event, backoff: float) -> float:
        self.close()
        while True:
            if stop.wait(backoff):
                raise PublishStopped
            backoff = min(backoff * 2, 30.0)
            try:
                self._connect()
                log.info("publisher reconnected to %s", self._endpoint.redacted_url())
                return 0.5
            except AMQPConnectionError as exc:
                log.warning("reconnect failed (%r); next try in %.0f s", exc, backoff)

    def keepalive(self) -> None:
        """Let pika answer heartbeats while the publisher waits between slow-rate events."""
        if self._connection is not None and self._connection.is_open:
            try:
                self._connection.process_data_events(time_limit=0)
            except AMQPConnectionError as exc:
                # The next publish notices the dead link and reconnects.
                log.debug("publisher connection failed while idle: %r", exc)

    def close(self) -> None:
        if self._connection is not None and self._connection.is_open:
            try:
                self._connection.close()
            except AMQPConnectionError as exc:
                log.debug("publisher connection did not close cleanly: %r", exc)
        self._connection = None
        self._channel = None
