"""The stream tap: the team's RabbitMQ stream, read from where this desk's history ends; a Source.

One durable stream per team (the profile's tap `queue`), bound to the payment exchanges and
declared by whichever desk comes first (stream_declare.py): ten desks cost the broker one copy
of the traffic. Each batch ends at a stream offset, stored in the batch's own transaction
(store/source_positions.py); the source resumes after the offsets the history holds, so a
restart, a reconnection or a SIGKILL loses and doubles nothing. Acks still follow each commit:
a stream consumer needs them for its credit, and they bound what the history has not stored.

A new desk starts at "next" unless it backfills: a second reader on the same connection
(stream_reader.py) from its start to where the live reader started, through the same writer,
with two batches in flight. benchmarks/backfill.py (100k backlog, live at 200/s, two cores):
history first with one reader kept live events waiting 7.6 s (median; 15.4 s max); with 1, 2
or 4 backfill batches in flight every live event was stored within 0.42, 0.36 and 0.47 s, the
backlog read at 5.6k, 8.4k and 9.3k events/s (16 batches: up to 2.8 s, on a busier run).

Why AMQP 0.9.1 and not RabbitMQ's stream protocol (port 5552, the `rstream` client):
benchmarks/fanout.py read 50k ~1 KB messages from one stream in each of four runs on this
shared two-core machine. A raw pika consumer cost 15-16 us of CPU per message; a raw rstream
consumer 7-19 us, but 15-33 us once it decodes the AMQP 1.0 messages it is given, which
opsdesk would have to (the rates, 9k-155k msg/s, swing with the machine's load more than
with the client). And `opsdesk collect` stored 7.5k-13.9k events/s from the stream, as from a
classic tap in the same runs (8.8k-15.2k): decoding and SQLite set the rate, not the
consumer. The stream protocol would save no CPU per stored event, and would bring an asyncio
client, a second port to open in firewalls, TLS and credentials set up twice, and messages to
translate back to exchange and routing key. AMQP keeps one connection code path
(broker/connection.py, cluster failover included) for both taps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.broker.connection import connected_node, connection_parameters
from opsdesk.broker.failure_text import describe_broker_failure
from opsdesk.config import Binding, Profile
from opsdesk.config.endpoint import vhost_of
from opsdesk.ingest.backfill_progress import BackfillProgress
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.backfill_state import BackfillState
from opsdesk.ingest.source import Position, SourceUnavailable
from opsdesk.ingest.stream_declare import declare_stream
from opsdesk.ingest.stream_reader import OffsetArgument, StreamBatch, StreamReader
from opsdesk.ingest.tap_bindings import BIND_RETRY, bind_existing, missing_text
from opsdesk.store.errors import StoreError
from opsdesk.store.source_positions import LogPositions

log = logging.getLogger(__name__)

LIVE, BACKFILL = "live", "backfill"
# A backfill's batches in flight (prefetch, in batches): live batches wait behind at most
# these in the writer's queue.
BACKFILL_BATCHES_IN_FLIGHT = 2


def stream_log(profile: Profile) -> str:
    """The log's name in the history: the stream, qualified by its virtual host."""
    return f"rabbitmq-stream:{vhost_of(profile.endpoint.url)}/{profile.tap.queue}"


class StreamTapSource:
    """Source[StreamBatch] over the profile's stream, resuming after what the history holds."""

    def __init__(self, profile: Profile, held: Callable[[], LogPositions]) -> None:
        """`held` reads where the history ends in the stream: on the first open(), on the
        consumer thread, once the writer has opened (and if need be migrated) the history."""
        self._profile = profile
        self._tap = profile.tap
        # Built now so that a malformed URL is the caller's error, not a dying thread.
        self._parameters = connection_parameters(profile.endpoint)
        self.log = stream_log(profile)
        self.stream = profile.tap.queue
        self._live = StreamReader(self.log, LIVE, self._tap.batch_size)
        self._backfill: StreamReader | None = None
        self._connection: BlockingConnection | None = None
        self._channel: BlockingChannel | None = None  # for bindings
        self._generation = 0
        self._cancelled = False
        self._missing: list[Binding] = []
        self._next_bind_retry = 0.0
        self._notes: dict[str, str] = {}  # shown to the operator: stream settings, a gap
        self._opened_at: datetime | None = None
        self._live_requested: OffsetArgument = "next"  # what the live reader asked for
        self._held: Callable[[], LogPositions] | None = held
        # The live reader's last offset stored, from the writer's thread (acknowledge).
        self._lock = threading.Lock()
        self._committed_live: int | None = None
        # Where this run's live reader starts: from there on it has everything.
        self._live_start: int | None = None
        self._backfills = BackfillState()

    # -- Source -----------------------------------------------------------------------

    def describe(self) -> str:
        # The node it is on, for a cluster profile ("... (node 2 of 3)"), then the stream.
        where = connected_node(self._connection, self._profile.endpoint)
        notes = "".join(f" ({note})" for note in self._notes.values() if note)
        return f"{where} (stream {self._tap.queue}){notes}{missing_text(self._missing)}"

    def open(self) -> None:
        self._load_positions()
        with self._broker_failures():
            connection = pika.BlockingConnection(self._parameters)
            self._connection = connection
            self._generation += 1
            self._notes["stream"] = declare_stream(connection, self._tap)
            self._channel = connection.channel()
            self._missing = bind_existing(
                connection, self._channel, self._tap.queue, list(self._profile.bindings)
            )
            self._next_bind_retry = time.monotonic() + BIND_RETRY
            start = self._live_offset()
            self._live.consume(
                connection, self._tap.queue, start, self._tap.prefetch, self._generation
            )
            self._live_requested = start
            self._opened_at = self._opened_at or datetime.now(UTC)
            if (pending := self._backfills.pending()) is not None:
                self._consume_backfill(connection, pending)

    def deliver(self, timeout: float) -> list[StreamBatch]:
        connection = self._connection
        assert connection is not None, "deliver() before open()"
        interval = self._tap.batch_interval
        with self._broker_failures():
            connection.process_data_events(time_limit=min(timeout, interval / 2))
            self._check_offsets()
            if self._cancelled:
                return []  # only the acknowledgements' I/O from here
            self._note_live_start()
            self._start_requested(connection)
            batches = self._live.take_full(interval)
            backfill = self._backfill
            if backfill is not None:
                batches += backfill.take_full(interval)
                if backfill.done:
                    backfill.close_channel()  # its last batch, set aside, ends it in the history
            if self._missing and time.monotonic() >= self._next_bind_retry:
                assert self._channel is not None
                self._missing = bind_existing(
                    connection, self._channel, self._tap.queue, self._missing
                )
                self._next_bind_retry = time.monotonic() + BIND_RETRY
        return batches

    def cancel(self) -> list[StreamBatch]:
        """Take no more deliveries; what arrives from here is dropped, never rejected (a
        stream closes the connection on basic.reject) and read again from the position."""
        self._cancelled = True
        batches = self._live.stop_taking()
        if self._backfill is not None:
            batches += self._backfill.stop_taking()
        return batches

    def acknowledge(self, batch: StreamBatch) -> None:
        end = batch.end
        assert end is not None, "a stream batch is delivered with its position"
        reader = self._live if end.backfill_from is None else self._backfill_for(end)
        if end.backfill_from is None:
            with self._lock:
                held = self._committed_live
                self._committed_live = end.offset if held is None else max(end.offset, held)
        else:
            self._backfills.committed(end, len(batch), batch.first if batch.deliveries else None)
        if reader is not None:
            try:
                reader.acknowledge(batch)
            except (pika.exceptions.AMQPError, OSError, RuntimeError) as exc:
                log.info("stream tap: ack skipped (%s); the position holds", exc)

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        self._live.forget_connection()
        if self._backfill is not None:
            self._backfill.forget_connection()
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception as exc:  # closing a half-dead connection may fail; nothing to do
                log.debug("stream tap: closing connection failed: %s", exc)

    def position(self) -> Position | None:
        with self._lock:
            committed = self._committed_live
        return None if committed is None else Position(self.log, committed)

    # -- backfill ---------------------------------------------------------------------

    def start_backfill(self, start: BackfillStart) -> None:
        """Read from `start` behind the live reader; the history has recorded the request
        (stream_history.record_backfill). Thread-safe: the consumer thread starts it."""
        self._backfills.ask(start)

    def backfill_progress(self) -> BackfillProgress | None:
        """The current (or last) backfill's progress; None when none was asked for."""
        return self._backfills.progress()

    def _consume_backfill(self, connection: BlockingConnection, start: BackfillStart) -> None:
        record = start.record()
        if self._backfill is None or self._backfill.backfill_from != record:
            self._backfill = StreamReader(self.log, BACKFILL, self._tap.batch_size, record)
        committed = self._backfills.resume_after()
        offset: OffsetArgument = start.offset_argument() if committed is None else committed + 1
        prefetch = self._tap.batch_size * BACKFILL_BATCHES_IN_FLIGHT
        self._backfill.consume(connection, self._tap.queue, offset, prefetch, self._generation)
        if self._live_start is not None:
            self._end_backfill_at(self._live_start)

    def _start_requested(self, connection: BlockingConnection) -> None:
        requested = self._backfills.take_asked()
        if requested is None:
            return
        if self._backfill is not None:
            self._backfill.close_channel()  # its batches in flight only touch its own request
            self._backfill = None
        if self._live_start is None and self._live.first_offset is None:
            # Nothing live has arrived: on a quiet stream the backfill would never learn where
            # to end. From the last chunk instead, the live reader says so at once; whatever
            # lies between is the backfill's to read.
            self._live.close_channel()
            self._live.consume(
                connection, self._tap.queue, "last", self._tap.prefetch, self._generation
            )
            self._live_requested = "last"
        self._consume_backfill(connection, requested)

    def _backfill_for(self, end: Position) -> StreamReader | None:
        backfill = self._backfill
        if backfill is not None and backfill.backfill_from == end.backfill_from:
            return backfill
        return None

    # -- offsets ------------------------------------------------------------------------

    def _load_positions(self) -> None:
        if self._held is None:
            return
        try:
            held = self._held()
        except StoreError as exc:
            raise SourceUnavailable(f"Cannot read where the history ends: {exc}") from exc
        self._held = None
        with self._lock:
            self._committed_live = held.live
        self._live_start = None if held.live is None else held.live + 1
        self._backfills.resume(held.backfill)

    def _live_offset(self) -> OffsetArgument:
        """Where the live reader (re)starts: after what is stored, else where it started."""
        with self._lock:
            committed = self._committed_live
        if committed is not None:
            return committed + 1
        if self._live_start is not None:
            return self._live_start
        if self._opened_at is not None:
            # Reconnecting before the first message: from when this desk first attached.
            return self._opened_at
        if self._backfills.pending() is not None:
            # A new desk that backfills: its last chunk at once tells where the backfill ends.
            return "last"
        return "next"

    def _note_live_start(self) -> None:
        first = self._live.first_offset
        if first is None:
            return
        requested = self._live_requested
        if isinstance(requested, int) and first > requested:
            self._notes["gap"] = (
                f"the stream no longer held offsets {requested} to {first - 1}: "
                f"{first - requested} messages expired before this desk read them"
            )
            log.warning("stream tap: %s", self._notes["gap"])
        self._live_requested = first  # checked once per consume
        if self._live_start is None:
            self._live_start = first
            self._end_backfill_at(first)

    def _end_backfill_at(self, live_start: int) -> None:
        if self._backfill is not None:
            self._backfill.finish_at(live_start)
        self._backfills.target(live_start - 1)

    def _check_offsets(self) -> None:
        for reader in (self._live, self._backfill):
            if reader is not None and reader.not_a_stream:
                raise SourceUnavailable(
                    f"{self._tap.queue} delivers messages without a stream offset: "
                    "it is not a stream."
                )

    @contextmanager
    def _broker_failures(self) -> Iterator[None]:
        try:
            yield
        except (pika.exceptions.AMQPError, OSError) as exc:
            where = self._profile.endpoint.host_port()
            raise SourceUnavailable(describe_broker_failure(exc, where)) from exc
