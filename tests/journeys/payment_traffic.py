"""The simulated payment system publishing beside the desk, on a thread of its own."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from opsdesk.simulator.engine import SimulationSummary, run_simulation
from opsdesk.simulator.settings import SimulatorSettings

STOP_TIMEOUT_S = 15.0
START_TIMEOUT_S = 15.0


@dataclass
class PaymentTraffic:
    """`run_simulation` until `stop()`; whatever ends it early is kept for the test to see."""

    settings: SimulatorSettings
    summary: SimulationSummary | None = None
    error: BaseException | None = None
    published: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _publishing: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Start publishing; returns once events flow (its processor thread is running too)."""
        self._thread = threading.Thread(target=self._run, name="journey-simulator")
        self._thread.start()
        self._publishing.wait(START_TIMEOUT_S)
        assert self.error is None, f"the simulator failed: {self.error!r}"
        assert self._publishing.is_set(), "the simulator published nothing"

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            assert not self._thread.is_alive(), "the simulator did not stop"

    def _run(self) -> None:
        try:
            self.summary = run_simulation(self.settings, self._stop, self._on_progress)
        except BaseException as exc:  # the test reports it; a thread cannot raise to it
            self.error = exc
        finally:
            self._publishing.set()

    def _on_progress(self, published: int) -> None:
        self.published = published
        if published:
            self._publishing.set()
