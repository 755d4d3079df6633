"""Simulated payment traffic on a background thread, for `opsdesk --demo`."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from opsdesk.simulator.engine import run_simulation
from opsdesk.simulator.settings import SimulatorSettings

log = logging.getLogger(__name__)


class DemoTraffic(QObject):
    """Runs the simulator until `stop()`; a broker that is down is reported, not raised."""

    # Emitted on the simulator thread when it ends with an error; delivered queued.
    failed = Signal(str)

    def __init__(self, settings: SimulatorSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-traffic", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the simulator to finish and wait for it, at most `timeout` seconds."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("demo traffic did not stop within %.1fs", timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            summary = run_simulation(self._settings, self._stop)
        # The demo is a convenience: whatever stops it (broker down, a refused declare)
        # is logged and shown, and must not take the app down.
        except Exception as exc:
            log.warning("demo traffic stopped: %s", exc, exc_info=True)
            self.failed.emit(f"Demo traffic stopped: {exc or type(exc).__name__}")
            return
        log.info("demo traffic finished: %s", summary)
