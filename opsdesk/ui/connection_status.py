"""Status bar widget: where the tap stands with the broker, and what it has counted.

On a cluster the tap names the node it is on ("... (node 2 of 3)"); when a reconnection
lands on another node than before, the tooltip says where the desk was and since when it
has moved, since a failover is worth knowing about even once it has healed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from opsdesk.ingest.tap_state import TapCounters, TapPhase, TapState
from opsdesk.ui.elided_label import ElidedLabel

_DOT_COLOURS = {
    TapPhase.CONNECTING: "#d49b00",
    TapPhase.CONNECTED: "#2e9e44",
    TapPhase.RECONNECTING: "#d0453b",
    TapPhase.STOPPED: "#8a8a8a",
}
_DECODE_ERRORS_TIP = (
    "Messages that arrived but could not be read as payment events: not JSON, not UTF-8, "
    "empty, too large, or without any known field. None is lost: each is stored raw, with "
    "the reason it did not decode.\nClick to see them in History."
)
_DECODE_ERRORS_STYLE = "QToolButton { color: #b35900; font-weight: bold; }"


class ConnectionStatusWidget(QWidget):
    """A coloured dot, the phase in words (how long disconnected, the retry countdown), the
    reason in full when there is one, and the tap's counters."""

    # The operator clicked "decode errors": show the undecoded events.
    undecoded_events_requested = Signal()

    def __init__(
        self,
        broker_label: str,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._broker_label = broker_label  # already redacted: no password
        self._clock = clock
        self._state = TapState(TapPhase.CONNECTING)
        self._retry_at: float | None = None
        # Since the first failure after the last good connection; None while connected.
        self._down_since: float | None = None
        self._down_since_wall: datetime | None = None
        self._reason = ""  # the last failure's sentence, kept while the next attempt runs
        self._connected_to = ""  # the URL of the node the tap was last connected to
        self._moved = ""  # "Moved here from <node> at 14:02:11.", after a failover
        self._dot = QLabel(self)
        self._dot.setFixedSize(12, 12)
        # Shortened first when the status bar is crowded: the counters stay whole.
        self._phase = ElidedLabel(self)
        self._phase.setObjectName("connectionPhase")
        self._reason_label = ElidedLabel(self)
        self._reason_label.setObjectName("connectionReason")
        self._counters = QLabel(self)
        self._counters.setTextFormat(Qt.TextFormat.PlainText)
        self._counters.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.decode_errors_button = QToolButton(self)
        self.decode_errors_button.setObjectName("decodeErrorsButton")
        self.decode_errors_button.setAutoRaise(True)
        self.decode_errors_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.decode_errors_button.setToolTip(_DECODE_ERRORS_TIP)
        self.decode_errors_button.clicked.connect(self._on_decode_errors_clicked)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._on_countdown)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self._dot)
        layout.addWidget(self._phase)
        layout.addWidget(self._reason_label, 1)
        layout.addSpacing(16)
        layout.addWidget(self._counters)
        layout.addWidget(self.decode_errors_button)
        self.show_state(self._state)
        self.show_counters(TapCounters())

    @property
    def state(self) -> TapState:
        return self._state

    def phase_text(self) -> str:
        return self._phase.full_text()

    def reason_text(self) -> str:
        """Why the desk is not connected, in full (the label may show it shortened)."""
        return self._reason_label.full_text()

    def shown_reason(self) -> str:
        """The reason as it fits on screen now."""
        return self._reason_label.shown_text() if self._reason_label.isVisible() else ""

    def counters_text(self) -> str:
        return f"{self._counters.text()} · {self.decode_errors_button.text().lstrip('⚠ ')}"

    def show_state(self, state: TapState) -> None:
        """Show a new tap state; the reconnect countdown and the time down tick on their own."""
        self._state = state
        now = self._clock()
        if state.phase == TapPhase.CONNECTED:
            self._note_node(state.detail)
            self._down_since = self._down_since_wall = None
            self._reason = ""
        elif state.phase in (TapPhase.RECONNECTING, TapPhase.STOPPED):
            if self._down_since is None:
                self._down_since, self._down_since_wall = now, datetime.now()
            self._reason = state.detail or self._reason
        if state.phase == TapPhase.RECONNECTING and state.retry_in is not None:
            self._retry_at = now + state.retry_in
        else:
            self._retry_at = None
        if self._down_since is not None and state.phase != TapPhase.STOPPED:
            self._countdown.start()
        else:
            self._countdown.stop()
        colour = _DOT_COLOURS.get(state.phase, "#8a8a8a")
        self._dot.setStyleSheet(f"background: {colour}; border-radius: 6px;")
        self._dot.setToolTip(state.phase.value)
        self._render_phase()

    def moved_text(self) -> str:
        return self._moved

    def _note_node(self, detail: str) -> None:
        node = detail.split(" ", 1)[0]  # the node's URL; what follows describes the tap
        if self._down_since is not None and self._connected_to and node != self._connected_to:
            self._moved = f"Moved here from {self._connected_to} at {datetime.now():%H:%M:%S}."
        self._connected_to = node or self._connected_to

    def show_counters(self, counters: TapCounters) -> None:
        parts = [
            f"received {counters.received:,}",
            f"stored {counters.stored:,}",
            f"duplicates {counters.duplicates:,}",
        ]
        self._counters.setText(" · ".join(parts))
        errors = f"decode errors {counters.decode_errors:,}"
        if counters.decode_errors:
            self.decode_errors_button.setText(f"⚠ {errors}")
            self.decode_errors_button.setStyleSheet(_DECODE_ERRORS_STYLE)
        else:
            self.decode_errors_button.setText(errors)
            self.decode_errors_button.setStyleSheet("")

    def _on_countdown(self) -> None:
        self._render_phase()

    def _on_decode_errors_clicked(self) -> None:
        self.undecoded_events_requested.emit()

    def _render_phase(self) -> None:
        state = self._state
        if state.phase == TapPhase.CONNECTED:
            text = f"connected to {state.detail or self._broker_label}"
        elif state.phase == TapPhase.STOPPED:
            text = "stopped"
        elif self._down_since is None:
            text = f"connecting to {self._broker_label}"
        else:
            text = f"reconnecting for {_duration(self._clock() - self._down_since)}"
            if state.phase == TapPhase.CONNECTING:
                text += ", trying now"
            elif self._retry_at is not None:
                seconds = max(0, math.ceil(self._retry_at - self._clock()))
                text += f", retry in {seconds}s"
        since = ""
        if self._down_since_wall is not None:
            since = f"Disconnected since {self._down_since_wall:%H:%M:%S}."
        moved = self._moved if state.phase == TapPhase.CONNECTED else ""
        tooltip = "\n".join(t for t in (text, self._reason, since, moved) if t)
        self._phase.set_full_text(text, tooltip)
        shown_reason = self._reason if state.phase != TapPhase.CONNECTED else ""
        self._reason_label.set_full_text(
            shown_reason, "\n".join(t for t in (shown_reason, since) if t)
        )
        self._reason_label.setVisible(bool(shown_reason))


def _duration(seconds: float) -> str:
    """ "12s", "2 min", "1 h 05 min": how long, to the precision an operator needs."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60} min"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
