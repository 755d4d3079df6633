"""A note above the dashboard when queue figures are out of date, partial or missing."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from opsdesk.broker.queue_sample import MonitorPhase, MonitorState
from opsdesk.ui.dashboard.queue_freshness import QueueFreshness

DEGRADED = (
    "Management API unavailable — showing ready + consumers from passive declares"
    " (no unacked counts, no rates)."
)
_INFO = "background: #e3eafa; color: #27457a; border: 1px solid #a9bbe0;"
_WARNING = "background: #fff3cf; color: #6b5200; border: 1px solid #e0c77a;"


class MonitorNote(QLabel):
    """Hidden while the monitor samples through the management API without problems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self._style = ""
        self._show_style(_INFO)
        self.hide()

    def show_state(
        self, state: MonitorState | None, freshness: QueueFreshness | None = None
    ) -> None:
        notes: list[str] = []
        # Before the first round has had a chance, "no sample yet" is not news: the tiles say it.
        waiting = (
            freshness is not None
            and freshness.as_of is None
            and (state is None or state.phase is MonitorPhase.CONNECTING)
        )
        if freshness is not None and freshness.stale and not waiting:
            notes.append(f"Queue figures not current ({freshness.as_of_text}): {freshness.stale}")
        elif state is not None and state.degraded:
            notes.append(DEGRADED)
        for problem in state.problems if state is not None else ():
            detail = f" ({problem.detail})" if problem.detail else ""
            notes.append(f"Queue {problem.queue}: {problem.reason.replace('_', ' ')}{detail}")
        text = " · ".join(notes)
        if text != self.text():
            self.setText(text)
        self._show_style(
            _WARNING if freshness is not None and freshness.stale and not waiting else _INFO
        )
        self.setToolTip(state.detail if state is not None else "")  # the API's error, ...
        self.setVisible(bool(notes))

    def _show_style(self, colours: str) -> None:
        if colours != self._style:  # a style sheet re-polishes the label: only on a change
            self._style = colours
            self.setStyleSheet(f"{colours} border-radius: 3px; padding: 3px 6px;")
