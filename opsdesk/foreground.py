"""The window's UI thread, as background threads see it: on time, or late and to be given way.

Lower CPU priority (thread_priority.py) does not cover the GIL. While the tap drains a
backlog, its Python threads hold the GIL most of the time, and every call Qt makes into
Python on the UI thread (a timer, a model, a paint) waits for it; on two cores shared with
the broker the UI thread also waits for a core. So the UI thread beats from its event loop,
and a background thread that finds the beat late pauses a moment, GIL and core released,
until it comes. Measured with benchmarks/ui_stall.py (60k events into a 1M history, paired
rounds): the longest stall while ingesting 84-120 ms without, 42-75 ms with; gaps over 50 ms
per round 3-7 without, 0-2 with; the same 4,000-5,200 events/s stored.

A UI thread late for long is busy with its own work, not waiting for ours: giving way then
would only slow ingest, so nothing waits once the beat is HUNG_S late, or after stop().
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

BEAT_S = 0.01  # how often the UI thread beats (ui/foreground_beat.py)
LATE_S = 0.015  # a beat this late: the UI thread is most likely waiting for us
STEP_S = 0.002  # one pause; short, so ingest resumes soon after the beat
MAX_GIVE_S = 0.05  # at most this long per give_way(): ingest never stops for the UI
HUNG_S = 1.0  # late this long: the UI thread is busy, not waiting for us


class Foreground:
    """Beaten by the UI thread; asked by background threads whether to pause."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._last_beat = clock()
        self._stopped = threading.Event()

    def beat(self) -> None:
        """From the UI thread's event loop, every BEAT_S."""
        self._last_beat = self._clock()

    def stop(self) -> None:
        """The UI thread will not beat again (the window is closing): nobody gives way."""
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def since_beat(self) -> float:
        """Seconds since the UI thread last beat."""
        return self._clock() - self._last_beat

    def is_late(self) -> bool:
        return LATE_S < self.since_beat() < HUNG_S and not self._stopped.is_set()

    def give_way(self) -> float:
        """Pause while the UI thread is late (at most MAX_GIVE_S); the seconds paused."""
        if not self.is_late():
            return 0.0
        started = self._clock()
        while self.is_late() and self._clock() - started < MAX_GIVE_S:
            self._sleep(STEP_S)
        return self._clock() - started
