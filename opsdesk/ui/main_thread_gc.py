"""Python's cycle collector runs on the UI thread only.

Automatic collection starts on whichever thread allocates past the threshold. A background
reader building rows would then free the widgets of a closed panel on its own thread while
the UI thread paints them: a segfault in Qt (seen in the test suite, a dashboard reader
freeing an earlier dashboard). So automatic collection is off, and a timer on the UI thread
collects what is due instead, the same generations CPython would have collected.
"""

from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

INTERVAL_MS = 500


def collect_due() -> int:
    """Collect the oldest generation past its threshold (and those younger); objects found."""
    counts = gc.get_count()
    thresholds = gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            return gc.collect(generation)
    return 0


def freeze_long_lived() -> int:
    """Collect, then set every object alive now aside from later collections; how many.

    What exists once the desk is built (modules, widgets, panels, their models) lives as long
    as the window. A full collection walked those ~110k objects each time it came due: 75-100
    ms on the UI thread, enough with a chart repaint to stall the window past 200 ms (seen in
    the monkey soak). Set aside, a full collection takes ~0.1 ms.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def thaw() -> None:
    """Give what freeze_long_lived set aside back to the collector (the desk is closing)."""
    gc.unfreeze()


class MainThreadCollector(QObject):
    """Turns automatic collection off for the process; create it on the UI thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start()

    def _on_tick(self) -> None:
        found = collect_due()
        if found:
            log.debug("collected %d objects on the UI thread", found)
