"""How long the UI thread goes without running its event loop: a 20 ms timer's gaps.

A gap is the desk's own stall, except for the time the UI thread was ready to run but the
machine ran something else (its run-queue wait, from /proc on Linux): on a shared 2-core
machine other processes can hold both cores for a while. Nor is time the hypervisor took
every CPU of this virtual machine away (steal, from /proc/stat: the least any CPU lost):
a pause of the whole machine, in which no thread runs, looked like the UI thread blocked
(CI once saw 282 ms with 1 ms of CPU, no run-queue wait and no stack sampled: the sampling
thread did not run either). Blocking, waiting for the GIL and the thread's own CPU all
count as the desk's.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer

INTERVAL_MS = 20
SAMPLE_AFTER_S = 0.15  # a gap this long gets the UI thread's stack sampled, to name the cause


@dataclass(frozen=True)
class Gap:
    seconds: float
    cpu_seconds: float  # of them, the UI thread's own CPU time
    queued_seconds: float  # ready to run, but the machine ran another process or thread

    @property
    def desk_seconds(self) -> float:
        """What the desk itself cost: running, blocked or waiting for the GIL."""
        return max(0.0, self.seconds - self.queued_seconds - self.stolen_seconds)

    ended_at: float  # time.monotonic() of the tick that ended it
    during: str  # what the test was doing then
    stack: str = ""  # where the UI thread was, sampled while the gap lasted
    stolen_seconds: float = 0.0  # the whole machine was paused by its hypervisor


class Heartbeat(QObject):
    """Ticks every 20 ms on the UI thread; every gap between ticks is kept, with its context."""

    def __init__(self, interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval = interval_ms / 1000
        self.gaps: list[float] = []
        self.long_gaps: list[Gap] = []  # above 5 intervals: worth naming in a report
        self.doing = "starting"
        self._last: float | None = None
        self._last_cpu = 0.0
        self._last_queued = 0.0
        self._last_steal: list[int] = []
        self._schedstat = f"/proc/self/task/{threading.get_native_id()}/schedstat"
        self._ui_thread = threading.get_ident()
        self._stack = ""  # sampled during the current gap, by the watcher
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="heartbeat-watcher")
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self._last = time.monotonic()
        self._last_cpu = time.thread_time()
        self._last_queued = self._queued()
        self._last_steal = _steal_per_cpu()
        self._timer.start()
        self._watcher.start()

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        if self._watcher.is_alive():
            self._watcher.join()

    @property
    def largest(self) -> float:
        return max(self.gaps, default=0.0)

    def stalls(self, over_s: float) -> list[Gap]:
        """Gaps in which the desk itself held the UI thread up longer than `over_s`."""
        return [g for g in self.long_gaps if g.desk_seconds > over_s]

    def distribution(self) -> str:
        """Tick gaps as percentiles and counts over thresholds, in milliseconds."""
        if not self.gaps:
            return "no ticks"
        ordered = sorted(self.gaps)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

        over = {ms: sum(1 for g in ordered if g * 1000 > ms) for ms in (50, 100, 200)}
        return (
            f"{len(ordered)} ticks of {self.interval * 1000:.0f} ms: "
            f"p50 {pct(0.5):.0f} ms, p90 {pct(0.9):.0f} ms, p99 {pct(0.99):.0f} ms, "
            f"p99.9 {pct(0.999):.0f} ms, max {ordered[-1] * 1000:.0f} ms; "
            + ", ".join(f"{n} over {ms} ms" for ms, n in over.items())
        )

    def _on_tick(self) -> None:
        now, cpu, queued, steal = (
            time.monotonic(),
            time.thread_time(),
            self._queued(),
            _steal_per_cpu(),
        )
        if self._last is not None:
            gap = now - self._last
            self.gaps.append(gap)
            if gap > 5 * self.interval:
                busy, waited = cpu - self._last_cpu, queued - self._last_queued
                stolen = _least_stolen(self._last_steal, steal)
                self.long_gaps.append(Gap(gap, busy, waited, now, self.doing, self._stack, stolen))
        self._stack = ""
        self._last, self._last_cpu, self._last_queued = now, cpu, queued
        self._last_steal = steal

    def _queued(self) -> float:
        """Seconds this thread has spent runnable but not running (0 where /proc lacks it)."""
        try:
            with open(self._schedstat, encoding="ascii") as stat:
                return int(stat.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return 0.0

    def _watch(self) -> None:
        """Off the UI thread: when a tick is late, note where the UI thread is (once a gap)."""
        while not self._stop.wait(self.interval):
            last = self._last
            if last is None or self._stack or time.monotonic() - last < SAMPLE_AFTER_S:
                continue
            frames = sys._current_frames()
            names = {t.ident: t.name for t in threading.enumerate()}
            ui = frames.get(self._ui_thread)
            lines = ["UI thread:", *traceback.format_stack(ui)[-6:]] if ui is not None else []
            for ident, frame in frames.items():  # which thread held the GIL meanwhile
                if ident not in (self._ui_thread, threading.get_ident()):
                    top = traceback.format_stack(frame)[-2:]
                    lines += [f"{names.get(ident, ident)}:", *top]
            self._stack = "".join(lines)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _steal_per_cpu() -> list[int]:
    """Each CPU's steal time so far, in clock ticks ([] where /proc/stat lacks it)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            lines = [line.split() for line in stat if line.startswith("cpu")]
    except OSError:
        return []
    return [int(f[8]) for f in lines if f[0] != "cpu" and len(f) > 8]


def _least_stolen(before: list[int], after: list[int]) -> float:
    """Seconds every CPU lost to the hypervisor between two readings: a whole-machine pause."""
    if not before or len(before) != len(after):
        return 0.0
    return min(b - a for a, b in zip(before, after, strict=True)) / _CLOCK_TICKS
