"""The tap: copy payment events from a source into the history, acknowledging after COMMIT.

Its consumer thread runs the source (source.py: open, deliver batches, cancel on a clean
stop, close; reconnecting with a backoff) and hands each batch to the writer it was given
(writer.py); the writer calls back after the batch's COMMIT, and only then is the batch
acknowledged to the source. Counters and state go to a TapListener (the CLI summary, the
window's status bar).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from functools import partial
from typing import Generic

from opsdesk.foreground import Foreground
from opsdesk.ingest.commit_report import CommitReport
from opsdesk.ingest.source import B, Source, SourceUnavailable
from opsdesk.ingest.tap_state import TapCounters, TapListener, TapPhase, TapState
from opsdesk.ingest.writer import Writer
from opsdesk.store.errors import StoreError
from opsdesk.thread_priority import lower_this_thread

log = logging.getLogger(__name__)

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 15.0
POLL = 0.1  # seconds a deliver() may wait: how soon the consumer notices a stop
DRAIN_TIMEOUT = 5.0  # on stop, how long to wait for what already arrived to be stored


class Tap(Generic[B]):
    """Ingest worker: `start()`, then `stop()`; state and counters go to the listener."""

    def __init__(
        self,
        source: Source[B],
        writer: Writer,
        listener: TapListener,
        *,
        foreground: Foreground | None = None,
    ) -> None:
        """`foreground`: the window's UI thread; the consumer thread runs below its priority
        and gives way to it between batches when it is late."""
        self._source = source
        self._foreground = foreground
        self._writer = writer
        self._listener = listener
        self._stopping = threading.Event()
        self._counters = TapCounters()
        self._counters_lock = threading.Lock()
        self._fatal: BaseException | None = None
        self._consumer = threading.Thread(target=self._consume_forever, name="tap-consumer")

    # -- public -------------------------------------------------------------------------

    def start(self) -> None:
        self._writer.start(self._fail)
        self._consumer.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Store what has arrived, acknowledge it, close the source; the rest stays queued."""
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
        if self._foreground is not None:
            lower_this_thread()
        try:
            self._writer.ready.wait()
            self._reconnect_loop()
        finally:
            self._writer.stop()  # even after a bug, never leave the writer waiting
            self._report(TapPhase.STOPPED, str(self._fatal) if self._fatal else "")

    def _reconnect_loop(self) -> None:
        backoff = BACKOFF_FIRST
        while not self._should_stop():
            self._report(TapPhase.CONNECTING, self._source.describe())
            opened = False
            try:
                self._source.open()
                opened = True
                self._run_open_source()
                backoff = BACKOFF_FIRST
            except SourceUnavailable as exc:
                if self._stopping.is_set():
                    break
                if opened:
                    backoff = BACKOFF_FIRST  # it was working: retry quickly once
                delay = backoff * random.uniform(0.8, 1.2)
                log.warning("tap: %s Retrying in %.1f s.", exc, delay)
                self._report(TapPhase.RECONNECTING, str(exc), retry_in=delay)
                self._stopping.wait(delay)
                backoff = min(backoff * 2, BACKOFF_MAX)
            finally:
                self._source.close()

    def _run_open_source(self) -> None:
        shown = self._source.describe()
        self._report(TapPhase.CONNECTED, shown)
        while not self._should_stop():
            for batch in self._source.deliver(POLL):
                self._hand_over(batch)
            if (detail := self._source.describe()) != shown:
                shown = detail
                self._report(TapPhase.CONNECTED, shown)
        self._drain()

    def _should_stop(self) -> bool:
        return self._stopping.is_set() or self._fatal is not None

    def _hand_over(self, batch: B) -> None:
        if self._foreground is not None:
            self._foreground.give_way()
        with self._counters_lock:
            c = self._counters
            self._counters = TapCounters(
                c.received + len(batch), c.stored, c.duplicates, c.decode_errors
            )
        self._writer.put(batch, partial(self._on_committed, batch))

    def _drain(self) -> None:
        """On a clean stop: store and acknowledge what already arrived, in a bounded time."""
        if self._fatal is not None:
            return
        for batch in self._source.cancel():
            self._hand_over(batch)
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while self._writer.pending() and time.monotonic() < deadline:
            self._source.deliver(0.05)  # nothing new after cancel(): only the acks' I/O
        self._source.deliver(0)  # run the last acknowledgements

    # -- writer thread ------------------------------------------------------------------

    def _on_committed(self, batch: B, report: CommitReport) -> None:
        with self._counters_lock:
            c = self._counters
            self._counters = TapCounters(
                c.received,
                c.stored + report.stored,
                c.duplicates + report.duplicates,
                c.decode_errors + report.decode_errors,
            )
            counters = self._counters
        self._source.acknowledge(batch)
        if report.events:
            self._listener.on_stored(report.events)
        self._listener.on_counters(counters)

    def _fail(self, exc: StoreError) -> None:
        self._fatal = exc
        self._stopping.set()

    def _report(self, phase: TapPhase, detail: str = "", retry_in: float | None = None) -> None:
        self._listener.on_state(TapState(phase, detail, retry_in))
