"""A loud, non-modal strip naming each firing alert; it goes away when they clear."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from opsdesk.alerting.evaluator import ActiveAlert
from opsdesk.ui.alerts.alert_text import headline

MAX_LINES = 4  # more firing alerts than this are counted, not listed


class AlertBanner(QFrame):
    """Shows the active alerts; dismissing hides it until the set of alerts changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertBanner")
        self.setStyleSheet(
            "QFrame#alertBanner { background: #c62828; border-radius: 3px; }"
            " QFrame#alertBanner QLabel { color: white; }"
            " QFrame#alertBanner QToolButton { color: white; }"
        )
        self._title = QLabel(self)
        font = QFont(self._title.font())
        font.setBold(True)
        self._title.setFont(font)
        self._lines = QLabel(self)
        self._lines.setTextFormat(Qt.TextFormat.PlainText)
        self._lines.setWordWrap(True)
        self._lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Hide until the alerts change (they stay in the alert history)")
        close.setAutoRaise(True)
        close.clicked.connect(self._on_close_clicked)
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self._title)
        text.addWidget(self._lines)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 5, 4, 5)
        layout.addLayout(text, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._shown: tuple[tuple[str, str], ...] = ()
        self.hide()

    def text(self) -> str:
        return f"{self._title.text()}\n{self._lines.text()}".strip()

    def show_active(self, active: Sequence[ActiveAlert], now: datetime | None = None) -> None:
        """The alerts firing now; an empty list hides the banner."""
        keys = tuple((alert.rule.name, alert.subject) for alert in active)
        changed = keys != self._shown
        self._shown = keys
        if not active:
            self.hide()
            return
        moment = now or datetime.now(UTC)
        count = len(active)
        self._title.setText("⚠ 1 alert firing" if count == 1 else f"⚠ {count} alerts firing")
        lines = [_line(alert, moment) for alert in active[:MAX_LINES]]
        if count > MAX_LINES:
            lines.append(f"… and {count - MAX_LINES} more (see the alert history)")
        self._lines.setText("\n".join(lines))
        if changed:
            self.show()  # a new alert shows even after the user dismissed the old ones

    def _on_close_clicked(self) -> None:
        self.hide()


def _line(alert: ActiveAlert, now: datetime) -> str:
    minutes = max(0, int((now - alert.since).total_seconds() // 60))
    since = f"since {alert.since.astimezone(UTC):%H:%M:%S} UTC"
    if minutes:
        since += f" ({minutes} min)"
    return f"{headline(alert)} — {since}"
