"""A red strip of the broker's alarms, one plain sentence each, above every sub-tab: a blocked
broker shows as red, not as silence."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from opsdesk.broker.node_health import ClusterHealth
from opsdesk.ui.dashboard.queue_freshness import moment_text

STYLE = (
    "QLabel#alarmStrip { background: #fbe0df; color: #8f1d1d; border: 1px solid #d9a3a1;"
    " border-radius: 3px; padding: 4px 8px; font-weight: bold; }"
)


def alarm_lines(health: ClusterHealth) -> list[str]:
    return [f"⚠ {alarm.sentence}" for alarm in health.alarms]


class AlarmStrip(QLabel):
    """Hidden while no alarm is raised; a failed read keeps what it showed (greyed elsewhere)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmStrip")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet(STYLE)
        self._lines = ""
        self._read_at: datetime | None = None
        self.hide()

    def show_health(self, health: ClusterHealth) -> None:
        if not health.reachable:
            if self._lines and self._read_at is not None:
                when = moment_text(self._read_at, health.read_at)
                self.setText(f"{self._lines}\n(last known at {when} UTC: {health.failure})")
            return
        self._read_at = health.read_at
        self._lines = "\n".join(alarm_lines(health))
        self.setText(self._lines)
        self.setVisible(bool(self._lines))
