"""Headless ingest: run a tap without a window until told to stop, idle, or N events."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from opsdesk.config import Profile
from opsdesk.events.model import PaymentEvent
from opsdesk.ingest.backfill_log import BackfillLog
from opsdesk.ingest.backfill_progress import BackfillProgress
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.source import B, Source
from opsdesk.ingest.source_choice import tap_source
from opsdesk.ingest.stream_tap import StreamTapSource
from opsdesk.ingest.tap import Tap
from opsdesk.ingest.tap_state import TapCounters, TapPhase, TapState
from opsdesk.ingest.writer import Writer
from opsdesk.ingest.writer_choice import tap_writer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CollectLimits:
    idle_exit: float | None = None  # stop after this many seconds without a message
    max_events: int | None = None  # stop once this many events were processed


def _nothing() -> None:
    pass


class NeverConnected(Exception):
    """The collector stopped without ever reaching the broker."""


class _Progress:
    """TapListener that remembers when traffic last moved; called from the tap's threads."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.counters = TapCounters()
        self.last_activity = time.monotonic()
        self.state = TapState(TapPhase.CONNECTING)
        self.connected_once = False
        self.last_problem = ""

    def on_state(self, state: TapState) -> None:
        if state.phase in (TapPhase.RECONNECTING, TapPhase.CONNECTED):
            log.info("tap %s %s", state.phase, state.detail)
        with self.changed:
            if not self.connected_once and state.phase in (TapPhase.CONNECTING, TapPhase.CONNECTED):
                # Idle counts from the first attempt and from the connection, not from the
                # start of a process still opening (or migrating) its history.
                self.last_activity = time.monotonic()
            self.state = state
            self.connected_once |= state.phase is TapPhase.CONNECTED
            if state.phase is TapPhase.RECONNECTING:
                self.last_problem = state.detail
            self.changed.notify_all()

    def on_counters(self, counters: TapCounters) -> None:
        with self.changed:
            if counters.received != self.counters.received:
                self.last_activity = time.monotonic()
            self.counters = counters
            self.changed.notify_all()

    def on_stored(self, events: Sequence[PaymentEvent]) -> None:
        pass


@dataclass(frozen=True, slots=True)
class CollectSummary:
    counters: TapCounters
    backfill: BackfillProgress | None = None  # a stream tap's backfill, asked now or resumed


def run_collect(
    profile: Profile, db_path: Path, limits: CollectLimits, backfill: BackfillStart | None = None
) -> CollectSummary:
    """The profile's tap (its classic queue or the team's stream, source_choice.py) into
    `db_path`, committed as the profile says (writer_choice: in a child process unless it
    says otherwise), backfilling a stream from `backfill`; see collect_from."""
    source = tap_source(profile, db_path, backfill)  # first: a malformed URL raises here
    writer = tap_writer(profile, db_path, shows_events=False)
    if not isinstance(source, StreamTapSource):
        return CollectSummary(collect_from(source, writer, limits))
    counters = collect_from(source, writer, limits, BackfillLog(source.backfill_progress))
    return CollectSummary(counters, source.backfill_progress())


def collect_from(
    source: Source[B], writer: Writer, limits: CollectLimits, watch: Callable[[], None] = _nothing
) -> TapCounters:
    """Blocks until a limit is reached or SIGINT/SIGTERM; returns the final counters.

    `watch` runs on this thread a few times a second (a backfill's progress log)."""
    progress = _Progress()
    tap = Tap(source, writer, progress)
    interrupted = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        interrupted.set()
        with progress.changed:
            progress.changed.notify_all()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    tap.start()
    try:
        with progress.changed:
            while not interrupted.is_set() and tap.is_alive():
                if _limit_reached(progress, limits):
                    break
                watch()
                progress.changed.wait(timeout=0.2)
    finally:
        tap.stop(timeout=15.0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if tap.fatal_error is not None:
        raise tap.fatal_error
    if not progress.connected_once:
        raise NeverConnected(progress.last_problem or "stopped before connecting")
    return tap.counters


def _limit_reached(progress: _Progress, limits: CollectLimits) -> bool:
    counters = progress.counters
    processed = counters.stored + counters.duplicates
    if limits.max_events is not None and processed >= limits.max_events:
        return True
    if limits.idle_exit is not None:
        # Idle counts from the last message; a batch still in flight is not idle, nor is a
        # connection attempt still going (a busy broker may take seconds to create a stream).
        busy = counters.received > counters.stored + counters.duplicates
        busy |= progress.state.phase is TapPhase.CONNECTING
        if not busy and time.monotonic() - progress.last_activity >= limits.idle_exit:
            return True
    return False
