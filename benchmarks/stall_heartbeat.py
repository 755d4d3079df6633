"""A heartbeat on the UI thread for benchmarks/ui_stall.py: its gaps, per phase, with causes.

A QTimer (PreciseTimer) ticks every 10 ms on the UI thread; each gap between two ticks is how
long the UI thread went without running its event loop. Part of a gap may be the machine's,
not the desk's: the time the UI thread was ready to run while the kernel ran something else
(its run-queue wait, /proc/self/task/<tid>/schedstat). Running, blocking and waiting for the
GIL all count as the desk's share ("blocked": while the tap ingests, perf's sched_switch
stacks put nearly all of it in take_gil, Qt calling a Python slot, timer or model method
while the tap's threads hold the GIL). While a gap lasts longer than SAMPLE_OVER_S, a watcher
thread samples the UI thread's Python stack (and what the other threads are running) every
few milliseconds, so a report can name the cause. Modelled on tests/journeys/ui_heartbeat.py.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from types import FrameType

from PySide6.QtCore import QObject, Qt, QTimer

INTERVAL_MS = 10
SAMPLE_OVER_S = 0.05  # the target: a longer gap gets its stack sampled
SAMPLE_EVERY_S = 0.004
MAX_SAMPLES = 60  # per gap
UI_FRAMES = 8  # innermost frames of the UI thread kept per sample
EVENT_LOOP_FILE = "/ui_stall.py"  # the benchmark: its frames run the event loop


@dataclass(frozen=True)
class Tick:
    seconds: float  # since the previous tick
    queued_seconds: float  # of them, runnable but not running: the machine's share

    @property
    def desk_seconds(self) -> float:
        return self.seconds - self.queued_seconds


@dataclass(frozen=True)
class LongGap:
    tick: Tick
    cpu_seconds: float  # the UI thread's own CPU time during the gap
    phase: str
    doing: str  # what the benchmark was doing then (an interaction, or idle)
    ui_stacks: tuple[str, ...]  # one per sample, innermost frame first
    other_threads: tuple[str, ...]  # "thread: function (file:line)", every sample

    @property
    def blocked_seconds(self) -> float:
        """Neither running nor runnable: blocked, e.g. waiting for the GIL."""
        return max(0.0, self.tick.desk_seconds - self.cpu_seconds)

    def causes(self, top: int = 3) -> list[str]:
        """The UI thread's most sampled stacks, then the other threads' most seen frames."""
        lines = [
            f"{n}/{len(self.ui_stacks)} samples: {stack}"
            for stack, n in Counter(self.ui_stacks).most_common(top)
        ]
        others = Counter(self.other_threads).most_common(top)
        if others:
            lines.append(
                "other threads, not idle, meanwhile: "
                + "; ".join(f"{frame} x{n}" for frame, n in others)
            )
        return lines


class Heartbeat(QObject):
    """Ticks on the UI thread; every gap is kept under the phase current when it ended."""

    def __init__(self, interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval = interval_ms / 1000
        self.phase = "start-up"
        self.doing = "idle"
        self.ticks: dict[str, list[Tick]] = {}
        self.long_gaps: list[LongGap] = []
        self._last: float | None = None
        self._last_cpu = 0.0
        self._last_queued = 0.0
        self._schedstat = ThreadSchedstat.open()
        self._ui_thread = threading.get_ident()
        self._lock = threading.Lock()
        self._ui_stacks: list[str] = []
        self._others: list[str] = []
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="stall-watcher", daemon=True)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self._last = time.monotonic()
        self._last_cpu, self._last_queued = time.thread_time(), self._queued()
        self._timer.start()
        self._watcher.start()

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        if self._watcher.is_alive():
            self._watcher.join()
        if self._schedstat:
            self._schedstat.close()

    def enter(self, phase: str) -> None:
        """Gaps ending from now on belong to `phase`."""
        self.phase = phase
        self.ticks.setdefault(phase, [])

    def _on_tick(self) -> None:
        now, cpu, queued = time.monotonic(), time.thread_time(), self._queued()
        if self._last is not None:
            tick = Tick(now - self._last, queued - self._last_queued)
            self.ticks.setdefault(self.phase, []).append(tick)
            with self._lock:
                stacks, others = tuple(self._ui_stacks), tuple(self._others)
                self._ui_stacks, self._others = [], []
            if tick.seconds > SAMPLE_OVER_S:
                gap = LongGap(tick, cpu - self._last_cpu, self.phase, self.doing, stacks, others)
                self.long_gaps.append(gap)
        self._last, self._last_cpu, self._last_queued = now, cpu, queued

    def _queued(self) -> float:
        """Seconds this thread has spent runnable but not running (0 where /proc lacks it)."""
        return self._schedstat.run_queue_seconds() if self._schedstat else 0.0

    def _watch(self) -> None:
        """Off the UI thread: while a tick is late, sample where the UI thread is."""
        me = threading.get_ident()
        pause = SAMPLE_EVERY_S
        while not self._stop.wait(pause):
            last = self._last
            # Asleep until a gap could reach the threshold: fewer wake-ups taking the GIL.
            pause = SAMPLE_OVER_S if last is None else last + SAMPLE_OVER_S - time.monotonic()
            if pause > 0:
                continue
            pause = SAMPLE_EVERY_S
            frames = sys._current_frames()
            names = {t.ident: t.name for t in threading.enumerate()}
            ui = frames.get(self._ui_thread)
            others = [
                f"{names.get(ident, ident)}: {_where(frame)}"
                for ident, frame in frames.items()
                if ident not in (self._ui_thread, me) and not _idle(frame)
            ]
            with self._lock:
                if len(self._ui_stacks) < MAX_SAMPLES:
                    self._ui_stacks.append(_stack(ui) if ui is not None else "?")
                    self._others.extend(others)


class ThreadSchedstat:
    """The calling thread's /proc schedstat, read without releasing the GIL.

    Python releases the GIL around every read(); with the tap's threads wanting it, taking it
    back cost the UI thread 1-2 ms a tick (cProfile), which the heartbeat would have counted
    as the desk's. A read through ctypes.PyDLL keeps the GIL (a few microseconds).
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = ctypes.create_string_buffer(128)
        self._pread = _libc().pread

    @classmethod
    def open(cls) -> ThreadSchedstat | None:
        try:
            return cls(os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", 0))
        except (OSError, AttributeError):
            return None  # no /proc (not Linux): every gap counts as the desk's

    def run_queue_seconds(self) -> float:
        """Time spent runnable, waiting for a core (the second field)."""
        n = self._pread(self._fd, self._buffer, len(self._buffer) - 1, 0)
        try:
            return int(self._buffer.raw[:n].split()[1]) / 1e9
        except (IndexError, ValueError):
            return 0.0

    def close(self) -> None:
        os.close(self._fd)


def _libc() -> ctypes.PyDLL:
    libc = ctypes.PyDLL(None, use_errno=True)  # PyDLL: the GIL stays held during calls
    libc.pread.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long]
    libc.pread.restype = ctypes.c_ssize_t
    return libc


def _idle(frame: FrameType) -> bool:
    """Waiting on a condition, a queue or a socket: not what holds the UI thread up."""
    code = frame.f_code
    return code.co_filename.endswith(_IDLE_FILES) or (
        code.co_filename.endswith("/select_connection.py") and code.co_name == "poll"
    )


_IDLE_FILES = ("/threading.py", "/queue.py", "/selectors.py")


def _where(frame: FrameType) -> str:
    code = frame.f_code
    return f"{code.co_name} ({_short(code.co_filename)}:{frame.f_lineno})"


def _stack(frame: FrameType | None) -> str:
    """Innermost first, down to the event loop the benchmark runs (its frames left out)."""
    parts: list[str] = []
    while frame is not None and len(parts) < UI_FRAMES:
        if frame.f_code.co_filename.endswith(EVENT_LOOP_FILE):
            parts.append("event loop")
            break
        parts.append(_where(frame))
        frame = frame.f_back
    if parts == ["event loop"]:
        return (
            "in Qt's C++, no Python frame above the event loop (painting, layout, or "
            "waiting for the GIL to call a Python slot)"
        )
    return " < ".join(parts)


def _short(path: str) -> str:
    for marker in ("/opsdesk/", "/benchmarks/", "/site-packages/", "/lib/python"):
        at = path.rfind(marker)
        if at >= 0:
            return path[at + 1 :]
    return path


@dataclass(frozen=True)
class Summary:
    """A phase's gaps, in milliseconds: raw and the desk's own share."""

    ticks: int
    longest_ms: float
    p99_ms: float
    p999_ms: float
    desk_longest_ms: float
    desk_p99_ms: float
    over_target: int  # raw gaps over SAMPLE_OVER_S

    @classmethod
    def of(cls, ticks: list[Tick]) -> Summary:
        raw = sorted(t.seconds * 1000 for t in ticks)
        desk = sorted(t.desk_seconds * 1000 for t in ticks)
        over = sum(1 for g in raw if g > SAMPLE_OVER_S * 1000)
        return cls(
            len(raw),
            raw[-1] if raw else math.nan,
            percentile(raw, 0.99),
            percentile(raw, 0.999),
            desk[-1] if desk else math.nan,
            percentile(desk, 0.99),
            over,
        )

    def text(self) -> str:
        return (
            f"{self.ticks:6,} ticks, longest {self.longest_ms:6.1f} ms (desk's share "
            f"{self.desk_longest_ms:6.1f}), p99 {self.p99_ms:5.1f} ms "
            f"(desk {self.desk_p99_ms:5.1f}), p99.9 {self.p999_ms:6.1f} ms, "
            f"{self.over_target} over {SAMPLE_OVER_S * 1000:.0f} ms"
        )


def percentile(ordered: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p of the values at or below it."""
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p * len(ordered)) - 1))]
