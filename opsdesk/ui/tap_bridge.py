"""The tap's callbacks as Qt signals: called on worker threads, delivered on the UI thread."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from opsdesk.events.model import PaymentEvent
from opsdesk.ingest.tap_state import TapCounters, TapState


class TapBridge(QObject):
    """A TapListener; keep it in the UI thread so its signals reach UI slots queued."""

    state_changed = Signal(object)  # TapState
    counters_changed = Signal(object)  # TapCounters
    events_stored = Signal(object)  # tuple[PaymentEvent, ...], oldest first

    def on_state(self, state: TapState) -> None:
        self.state_changed.emit(state)

    def on_counters(self, counters: TapCounters) -> None:
        self.counters_changed.emit(counters)

    def on_stored(self, events: Sequence[PaymentEvent]) -> None:
        # A tuple, so the receiver cannot see a list the tap keeps mutating.
        self.events_stored.emit(tuple(events))
