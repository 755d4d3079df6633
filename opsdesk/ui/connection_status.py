"""Status bar widget: where the tap stands with the broker, and what it has counted."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from opsdesk.broker.tap_state import TapCounters, TapPhase, TapState

_DOT_COLOURS = {
    TapPhase.CONNECTING: "#d49b00",
    TapPhase.CONNECTED: "#2e9e44",
    TapPhase.RECONNECTING: "#d0453b",
    TapPhase.STOPPED: "#8a8a8a",
}
_MAX_DETAIL_CHARS = 70


class ConnectionStatusWidget(QWidget):
    """A coloured dot, the phase in words (with a retry countdown), and the tap's counters."""

    def __init__(self, broker_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._broker_label = broker_label  # already redacted: no password
        self._state = TapState(TapPhase.CONNECTING)
        self._retry_at: float | None = None
        self._dot = QLabel(self)
        self._dot.setFixedSize(12, 12)
        self._phase = QLabel(self)
        self._counters = QLabel(self)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._on_countdown)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self._dot)
        layout.addWidget(self._phase)
        layout.addSpacing(16)
        layout.addWidget(self._counters)
        self.show_state(self._state)
        self.show_counters(TapCounters())

    @property
    def state(self) -> TapState:
        return self._state

    def phase_text(self) -> str:
        return self._phase.text()

    def counters_text(self) -> str:
        return self._counters.text()

    def show_state(self, state: TapState) -> None:
        """Show a new tap state; a reconnect countdown ticks down on its own."""
        self._state = state
        if state.phase == TapPhase.RECONNECTING and state.retry_in is not None:
            self._retry_at = time.monotonic() + state.retry_in
            self._countdown.start()
        else:
            self._retry_at = None
            self._countdown.stop()
        colour = _DOT_COLOURS.get(state.phase, "#8a8a8a")
        self._dot.setStyleSheet(f"background: {colour}; border-radius: 6px;")
        self._dot.setToolTip(state.phase.value)
        self._render_phase()

    def show_counters(self, counters: TapCounters) -> None:
        parts = [
            f"received {counters.received:,}",
            f"stored {counters.stored:,}",
            f"duplicates {counters.duplicates:,}",
        ]
        errors = f"decode errors {counters.decode_errors:,}"
        if counters.decode_errors:
            errors = f"<span style='color:#b35900; font-weight:bold'>⚠ {errors}</span>"
        self._counters.setText(" · ".join([*parts, errors]))

    def _on_countdown(self) -> None:
        self._render_phase()

    def _render_phase(self) -> None:
        state = self._state
        detail = state.detail
        if state.phase == TapPhase.CONNECTED:
            text = f"connected to {detail or self._broker_label}"
        elif state.phase == TapPhase.CONNECTING:
            text = f"connecting to {self._broker_label}"
        elif state.phase == TapPhase.RECONNECTING:
            text = "reconnecting" + (f": {_short(detail)}" if detail else "")
            if self._retry_at is not None:
                seconds = max(0, math.ceil(self._retry_at - time.monotonic()))
                text += f", retry in {seconds}s"
        else:
            text = "stopped" + (f": {_short(detail)}" if detail else "")
        self._phase.setText(text)
        # The full reason, when the label had to shorten it.
        self._phase.setToolTip(detail or text)


def _short(detail: str) -> str:
    if len(detail) <= _MAX_DETAIL_CHARS:
        return detail
    return detail[: _MAX_DETAIL_CHARS - 1] + "…"
