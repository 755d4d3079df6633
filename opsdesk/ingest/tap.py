"""The tap: copy payment events from the broker into the history, acking only after COMMIT.

The *consumer* (here) owns the pika connection and only collects deliveries into batches;
a writer (tap_writer) decodes them and commits them, on two threads (BatchWriter) or with
the commits in a child process (ProcessBatchWriter), then asks the consumer's I/O loop (the
one thread-safe pika call, `add_callback_threadsafe`) to ack each committed batch.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from pathlib import Path

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.broker.connection import connection_parameters
from opsdesk.broker.deliveries import Delivery, DeliveryBatch
from opsdesk.broker.failure_text import describe_broker_failure
from opsdesk.config import Binding, Profile
from opsdesk.ingest.commit_report import CommitReport
from opsdesk.ingest.tap_state import TapCounters, TapListener, TapPhase, TapState
from opsdesk.ingest.writer import tap_writer
from opsdesk.store.event_store import StoreError

log = logging.getLogger(__name__)

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 15.0
BIND_RETRY = 5.0  # seconds between attempts to bind exchanges that did not exist yet
DRAIN_TIMEOUT = 5.0  # on stop, how long to wait for what already arrived to be stored


class Tap:
    """Ingest worker: `start()`, then `stop()`; state and counters go to the listener."""

    def __init__(
        self, profile: Profile, db_path: Path, listener: TapListener, *, with_events: bool = True
    ) -> None:
        """`with_events=False`: the listener's on_stored is never called (nobody shows them)."""
        self._profile = profile
        self._db_path = db_path
        self._listener = listener
        # Built now so that a malformed URL is the caller's error, not a dying thread.
        self._parameters = connection_parameters(profile.endpoint)
        self._stopping = threading.Event()
        self._writer = tap_writer(profile, db_path, self._on_committed, self._fail, with_events)
        self._counters = TapCounters()
        self._counters_lock = threading.Lock()
        self._generation = 0
        self._connection: BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._filling = DeliveryBatch(0)  # the consumer thread's batch being filled
        self._connection_was_up = False
        self._queue_note = ""  # shown to the operator when the tap queue is not as configured
        self._fatal: BaseException | None = None
        self._consumer = threading.Thread(target=self._consume_forever, name="tap-consumer")

    # -- public -------------------------------------------------------------------------

    def start(self) -> None:
        self._writer.start()
        self._consumer.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Store what has arrived, ack it, close the connection; unacked messages go back."""
        self._stopping.set()
        self._consumer.join(timeout)
        if self.is_alive():
            log.warning("tap did not stop within %.1fs", timeout)

    def is_alive(self) -> bool:
        return self._consumer.is_alive() or self._writer.is_alive()

    @property
    def counters(self) -> TapCounters:
        with self._counters_lock:
            return self._counters

    @property
    def fatal_error(self) -> BaseException | None:
        """Set when the tap stopped because the history could not be written."""
        return self._fatal

    # -- consumer thread ----------------------------------------------------------------

    def _consume_forever(self) -> None:
        try:
            self._writer.ready.wait()
            self._reconnect_loop()
        finally:
            self._writer.stop()  # even after a bug, never leave the writer waiting
            self._report(TapPhase.STOPPED, str(self._fatal) if self._fatal else "")

    def _reconnect_loop(self) -> None:
        backoff = BACKOFF_FIRST
        while not self._stopping.is_set() and self._fatal is None:
            self._report(TapPhase.CONNECTING, self._profile.endpoint.redacted_url())
            try:
                self._consume_once()
                backoff = BACKOFF_FIRST
            except (pika.exceptions.AMQPError, OSError) as exc:
                if self._stopping.is_set():
                    break
                if self._connection_was_up:
                    backoff = BACKOFF_FIRST  # it was working: retry quickly once
                delay = backoff * random.uniform(0.8, 1.2)
                reason = describe_broker_failure(exc, self._profile.endpoint.host_port())
                log.warning("tap: %s Retrying in %.1f s.", reason, delay)
                self._report(TapPhase.RECONNECTING, reason, retry_in=delay)
                self._stopping.wait(delay)
                backoff = min(backoff * 2, BACKOFF_MAX)
            finally:
                self._close_connection()

    def _consume_once(self) -> None:
        self._connection_was_up = False
        connection = pika.BlockingConnection(self._parameters)
        self._connection = connection
        channel = connection.channel()
        self._channel = channel
        self._generation += 1
        missing = self._declare(connection, channel)
        channel.basic_qos(prefetch_count=self._profile.tap.prefetch)
        self._filling = DeliveryBatch(self._generation)
        batch_size = self._profile.tap.batch_size

        def on_message(
            ch: BlockingChannel,
            method: pika.spec.Basic.Deliver,
            props: pika.BasicProperties,
            body: bytes,
        ) -> None:
            filling = self._filling
            filling.deliveries.append(
                Delivery(
                    method.delivery_tag,
                    method.exchange,
                    method.routing_key,
                    method.redelivered,
                    props,
                    body,
                )
            )
            if len(filling.deliveries) >= batch_size:
                self._hand_over()

        consumer_tag = channel.basic_consume(self._profile.tap.queue, on_message, auto_ack=False)
        self._connection_was_up = True
        self._report_connected(missing)
        interval = self._profile.tap.batch_interval
        next_bind_retry = time.monotonic() + BIND_RETRY
        while not self._stopping.is_set() and self._fatal is None:
            connection.process_data_events(time_limit=interval / 2)
            if self._filling.deliveries and time.monotonic() - self._filling.started >= interval:
                self._hand_over()
            if missing and time.monotonic() >= next_bind_retry:
                still_missing = self._bind(connection, channel, missing)
                if still_missing != missing:
                    self._report_connected(still_missing)
                missing, next_bind_retry = still_missing, time.monotonic() + BIND_RETRY
        self._drain(connection, channel, consumer_tag)

    def _declare(self, connection: BlockingConnection, channel: BlockingChannel) -> list[Binding]:
        """Declare the tap queue and bind what exists; return the bindings still missing."""
        tap = self._profile.tap
        probe = connection.channel()  # a refused declare closes its channel
        try:
            probe.queue_declare(tap.queue, durable=True, arguments=tap.queue_arguments())
            probe.close()
            self._queue_note = ""
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code != 406:
                raise
            # The queue exists with other bounds (the profile changed). Deleting it would lose
            # what it holds, so consume it as it is and tell the operator.
            channel.queue_declare(tap.queue, passive=True)
            self._queue_note = f"tap queue kept its existing arguments ({exc.reply_text})"
            log.warning("tap: %s; delete the queue to apply the profile's settings", exc.reply_text)
        return self._bind(connection, channel, list(self._profile.bindings))

    def _bind(
        self, connection: BlockingConnection, channel: BlockingChannel, bindings: list[Binding]
    ) -> list[Binding]:
        # A missing exchange must not keep the desk from draining what its queue already
        # holds: check each on a throwaway channel (a failed passive declare closes it).
        missing = []
        for binding in bindings:
            probe = connection.channel()
            try:
                probe.exchange_declare(binding.exchange, passive=True)
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code != 404:
                    raise
                missing.append(binding)
                continue
            probe.close()
            channel.queue_bind(
                self._profile.tap.queue, binding.exchange, routing_key=binding.routing_key
            )
        return missing

    def _report_connected(self, missing: list[Binding]) -> None:
        detail = self._profile.endpoint.redacted_url()
        if self._queue_note:
            detail += f" ({self._queue_note})"
        if missing:
            names = ", ".join(sorted({b.exchange for b in missing}))
            detail += f" (exchange not found, retrying: {names})"
        self._report(TapPhase.CONNECTED, detail)

    def _hand_over(self) -> None:
        """Give the filling batch to the writer and start a new one.

        A handed-over batch is never appended to again: its ack covers exactly what the
        writer stores (finding 1 of issue 9 was a drain that kept filling it).
        """
        batch, self._filling = self._filling, DeliveryBatch(self._generation)
        if batch.deliveries:
            with self._counters_lock:
                c = self._counters
                self._counters = TapCounters(
                    c.received + len(batch.deliveries), c.stored, c.duplicates, c.decode_errors
                )
            self._writer.put(batch)

    def _drain(
        self, connection: BlockingConnection, channel: BlockingChannel, consumer_tag: str
    ) -> None:
        """On a clean stop: store and ack what already arrived, within a bounded time."""
        if self._fatal is not None:
            return
        # No more deliveries from here: pika rejects (requeues) what it holds undispatched.
        channel.basic_cancel(consumer_tag)
        self._hand_over()
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while self._writer.pending() and time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.05)
        connection.process_data_events(time_limit=0)  # run the last ack callbacks

    def _close_connection(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception as exc:  # closing a half-dead connection may fail; nothing to do
                log.debug("tap: closing connection failed: %s", exc)

    # -- writer thread ------------------------------------------------------------------

    def _on_committed(self, batch: DeliveryBatch, report: CommitReport) -> None:
        with self._counters_lock:
            c = self._counters
            self._counters = TapCounters(
                c.received,
                c.stored + report.stored,
                c.duplicates + report.duplicates,
                c.decode_errors + report.decode_errors,
            )
            counters = self._counters
        self._ack_after_commit(batch)
        if report.events:
            self._listener.on_stored(report.events)
        self._listener.on_counters(counters)

    def _ack_after_commit(self, batch: DeliveryBatch) -> None:
        connection = self._connection
        if connection is None:
            return  # the channel is gone: the broker redelivers, the store dedupes
        last_tag = batch.deliveries[-1].delivery_tag

        def ack() -> None:
            # Tags are per channel: acking an old tag on a new channel would ack the wrong
            # (uncommitted) message, so only ack on the channel that delivered the batch.
            channel = self._channel
            if channel is not None and channel.is_open and self._generation == batch.generation:
                channel.basic_ack(last_tag, multiple=True)

        try:
            connection.add_callback_threadsafe(ack)
        except (pika.exceptions.AMQPError, OSError, RuntimeError) as exc:
            log.info("tap: ack skipped (%s); messages will be redelivered", exc)

    def _fail(self, exc: StoreError) -> None:
        self._fatal = exc
        self._stopping.set()

    def _report(self, phase: TapPhase, detail: str = "", retry_in: float | None = None) -> None:
        self._listener.on_state(TapState(phase, detail, retry_in))
