"""A quiet note above the dashboard when queue figures are partial or missing."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from opsdesk.broker.queue_sample import MonitorPhase, MonitorState

DEGRADED = (
    "Management API unavailable — showing ready + consumers from passive declares"
    " (no unacked counts, no rates)."
)


class MonitorNote(QLabel):
    """Hidden while the monitor samples through the management API without problems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(
            "background: #e3eafa; color: #27457a; border: 1px solid #a9bbe0;"
            " border-radius: 3px; padding: 3px 6px;"
        )
        self.hide()

    def show_state(self, state: MonitorState) -> None:
        notes: list[str] = []
        if state.degraded:
            notes.append(DEGRADED)
        elif state.phase is MonitorPhase.RECONNECTING:
            notes.append(f"Queue monitor reconnecting: {state.detail}")
        for problem in state.problems:
            detail = f" ({problem.detail})" if problem.detail else ""
            notes.append(f"Queue {problem.queue}: {problem.reason.replace('_', ' ')}{detail}")
        self.setText(" · ".join(notes))
        self.setToolTip(state.detail)  # why: the API's error, the broker's reason
        self.setVisible(bool(notes))
