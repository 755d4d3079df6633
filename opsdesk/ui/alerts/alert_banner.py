"""A loud, non-modal strip naming each firing alert; it goes away when they clear.

It also says when the queue figures are stale (the monitor has not sampled for a while):
then queue alerts can neither fire nor clear, and the figures an alert shows are old.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from opsdesk.alerting.alert_values import ActiveAlert
from opsdesk.alerting.freshness import StaleFigures, age_text
from opsdesk.ui.alerts.alert_text import headline

MAX_LINES = 4  # more firing alerts than this are counted, not listed
_FIRING_STYLE = (
    "QFrame#alertBanner { background: #c62828; border-radius: 3px; }"
    " QFrame#alertBanner QLabel { color: white; }"
    " QFrame#alertBanner QToolButton { color: white; }"
)
_STALE_STYLE = (
    "QFrame#alertBanner { background: #fff3cf; border: 1px solid #e0c77a; border-radius: 3px; }"
    " QFrame#alertBanner QLabel { color: #6b5200; }"
    " QFrame#alertBanner QToolButton { color: #6b5200; }"
)


class AlertBanner(QFrame):
    """Shows the active alerts; dismissing hides it until the set of alerts changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertBanner")
        self.setStyleSheet(_FIRING_STYLE)
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
        self._active: tuple[ActiveAlert, ...] = ()
        self._stale: StaleFigures | None = None
        self._shown: tuple[tuple[str, str], ...] = ()
        self._shown_stale = False
        self.hide()

    def text(self) -> str:
        return f"{self._title.text()}\n{self._lines.text()}".strip()

    def show_active(self, active: Sequence[ActiveAlert], now: datetime | None = None) -> None:
        """The alerts firing now; no alert and current figures hide the banner."""
        self._active = tuple(active)
        self._render(now)

    def show_figures(self, stale: StaleFigures | None, now: datetime | None = None) -> None:
        """The queue figures' staleness as the alert worker last found it (None: current)."""
        self._stale = stale
        self._render(now)

    def _render(self, now: datetime | None) -> None:
        keys = tuple((alert.rule.name, alert.subject) for alert in self._active)
        stale = self._stale is not None
        # A new alert, or figures newly stale, show even after the user dismissed the banner.
        changed = keys != self._shown or (stale and not self._shown_stale)
        self._shown, self._shown_stale = keys, stale
        if not self._active and self._stale is None:
            self.hide()
            return
        moment = now or datetime.now(UTC)
        count = len(self._active)
        lines = [_line(alert, moment) for alert in self._active[:MAX_LINES]]
        if count > MAX_LINES:
            lines.append(f"… and {count - MAX_LINES} more (see the alert history)")
        if self._stale is not None:
            lines.append(self._stale.sentence(moment))
        if count:
            self.setStyleSheet(_FIRING_STYLE)
            self._title.setText("⚠ 1 alert firing" if count == 1 else f"⚠ {count} alerts firing")
        else:
            self.setStyleSheet(_STALE_STYLE)
            self._title.setText("⚠ Queue alerts cannot see the queues")
        self._lines.setText("\n".join(lines))
        if changed:
            self.show()

    def _on_close_clicked(self) -> None:
        self.hide()


def _line(alert: ActiveAlert, now: datetime) -> str:
    minutes = max(0, int((now - alert.since).total_seconds() // 60))
    since = f"since {alert.since.astimezone(UTC):%H:%M:%S} UTC"
    if minutes:
        since += f" ({minutes} min)"
    line = f"{headline(alert)} — {since}"
    if alert.stale_since is not None:
        age = age_text(max(0.0, (now - alert.stale_since).total_seconds()))
        line += (
            f" — not seen since {alert.stale_since.astimezone(UTC):%H:%M:%S} UTC "
            f"({age} ago): figures not current"
        )
    return line
