"""A payment service on one node of the cluster: publishes events with confirms, on a thread.

What it reports as confirmed is what the broker promised to keep: a desk on another node
must end up with exactly those events (and possibly ones whose confirm never came).
"""

from __future__ import annotations

import logging
import threading
import time

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from tests.ingest.test_tap import native_event

log = logging.getLogger(__name__)


class ConfirmedPublisher:
    """Publishes `count` native events to `exchange` through `url`, `rate` a second."""

    def __init__(self, url: str, exchange: str, count: int, rate: float) -> None:
        self.url = url
        self.exchange = exchange
        self.count = count
        self.rate = rate
        # Event ids, in order: the message id, which the history takes as the event's id.
        self.confirmed: list[str] = []
        self.unconfirmed: list[str] = []  # sent, but the broker did not confirm (may be stored)
        self.failure: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cluster-publisher")

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the publisher did not finish in time"

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        try:
            connection = pika.BlockingConnection(pika.URLParameters(self.url))
        except Exception as exc:  # reported to the test, which fails with it
            self.failure = exc
            return
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            started = time.monotonic()
            for i in range(self.count):
                if self._stop.is_set():
                    return
                self._publish(channel, i)
                # Paced, so that the node loss happens while events are in flight.
                delay = started + (i + 1) / self.rate - time.monotonic()
                if delay > 0:
                    self._stop.wait(delay)
        except Exception as exc:
            self.failure = exc
        finally:
            if connection.is_open:
                connection.close()

    def _publish(self, channel: BlockingChannel, i: int) -> None:
        try:
            channel.basic_publish(
                self.exchange,
                "payment.succeeded",
                native_event(i),
                pika.BasicProperties(message_id=f"evt-{i}", delivery_mode=2),
                mandatory=True,
            )
        except (pika.exceptions.NackError, pika.exceptions.UnroutableError) as exc:
            log.info("publish of event %d not confirmed: %s", i, exc)
            self.unconfirmed.append(f"evt-{i}")
            return
        self.confirmed.append(f"evt-{i}")
