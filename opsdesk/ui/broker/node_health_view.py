"""Node health: every node against its limits, and the alarms in plain sentences."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from opsdesk.broker.node_health import ClusterHealth
from opsdesk.ui.broker.alarm_strip import STYLE as ALARM_STYLE
from opsdesk.ui.broker.figures_age import FiguresAge
from opsdesk.ui.broker.figures_table import figures_table
from opsdesk.ui.broker.node_health_model import NodeHealthModel

WIDTHS = (200, 90, 240, 220, 190, 190, 150, 90)
CLEAR_STYLE = "QLabel#alarmStrip { color: #1f6b33; padding: 4px 8px; }"
STALE_STYLE = "QLabel#alarmStrip { color: #9a9a9a; padding: 4px 8px; }"


class NodeHealthView(QWidget):
    def __init__(self, *, late_after: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = NodeHealthModel(self)
        self.alarms = QLabel("Reading the nodes…")
        self.alarms.setObjectName("alarmStrip")  # the same look as the tab's alarm strip
        self.alarms.setTextFormat(Qt.TextFormat.PlainText)
        self.alarms.setWordWrap(True)
        self.alarms.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.age = FiguresAge(late_after=late_after)
        self.age.stale_changed.connect(self.model.set_stale)
        self.age.stale_changed.connect(self._on_stale_changed)
        self._trouble = False
        self.table = figures_table(self.model, WIDTHS, "nodeHealthTable")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.alarms)
        layout.addWidget(self.age)
        layout.addWidget(self.table, 1)

    def show_health(self, health: ClusterHealth) -> None:
        """A read that failed keeps the figures shown, greyed, with why."""
        if not health.reachable:
            self.age.show_failure(health.failure or "The management API cannot be read.")
            return
        self.model.replace_rows(health.nodes)
        self.age.show_read(health.read_at)
        self._trouble = bool(health.alarms) or any(not node.running for node in health.nodes)
        mark = "⚠ " if self._trouble else "✓ "
        self.alarms.setText("\n".join(mark + line for line in health.summary()))
        self._on_stale_changed(self.age.stale)

    def _on_stale_changed(self, stale: bool) -> None:
        """Stale sentences grey as the figures do: "no alarms" may no longer be true."""
        style = STALE_STYLE if stale else ALARM_STYLE if self._trouble else CLEAR_STYLE
        self.alarms.setStyleSheet(style)
