"""How old a figure area's figures are, and why they are not current when they are not.

"as of 10:00:05 UTC (4 s old)" under fresh figures. When a read fails, the figures already
shown stay, greyed, under "⚠ Not current: as of 10:00:05 UTC (2 min old). <why>": the
operator sees the last known state and knows not to act on it as if it were live. Figures
that simply grew old (reads stopped answering without failing) turn stale the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QWidget

from opsdesk.ui.dashboard.queue_freshness import moment_text

TICK_MS = 1000
STALE_STYLE = (
    "QLabel#figuresAge { background: #fff3cf; color: #6b5200; border: 1px solid #e0c77a;"
    " border-radius: 3px; padding: 1px 6px; }"
)
CURRENT_STYLE = "QLabel#figuresAge { color: #505050; padding: 1px 6px; }"


def utc_now() -> datetime:
    return datetime.now(UTC)


def age_text(seconds: float) -> str:
    """`4 s`, `3 min`, `2 h 5 min`: how a person says an age."""
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


class FiguresAge(QLabel):
    """The age line of one figure area; `stale_changed` tells the area to grey its figures."""

    stale_changed = Signal(bool)

    def __init__(
        self,
        *,
        late_after: float | None = None,
        clock: Callable[[], datetime] = utc_now,
        parent: QWidget | None = None,
    ) -> None:
        """`late_after`: seconds after which figures count as stale even without a failure."""
        super().__init__(parent)
        self.setObjectName("figuresAge")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._late_after = late_after
        self._clock = clock
        self._read_at: datetime | None = None
        self._failure = ""
        self._stale = False
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.update_text)
        self.update_text()

    @property
    def read_at(self) -> datetime | None:
        return self._read_at

    @property
    def stale(self) -> bool:
        return self._stale

    def reason(self) -> str:
        """Why the figures are not current ("" when they are)."""
        if self._failure:
            return self._failure
        if self._read_at is None or self._late_after is None:
            return ""
        if (self._clock() - self._read_at).total_seconds() <= self._late_after:
            return ""
        return "The next read has not answered yet."

    def show_read(self, read_at: datetime) -> None:
        """Figures read at `read_at` (UTC) are now shown."""
        self._read_at = read_at
        self._failure = ""
        self.update_text()

    def show_failure(self, reason: str) -> None:
        """A read failed: the figures shown (if any) are no longer current, for `reason`."""
        self._failure = reason
        self.update_text()

    def forget(self) -> None:
        """The figures were cleared (another vhost, another queue): nothing to date."""
        self._read_at = None
        self._failure = ""
        self.update_text()

    def update_text(self) -> None:
        reason = self.reason()
        if self._read_at is None:
            text = f"⚠ No figures: {reason}" if reason else "Reading…"
        else:
            when = moment_text(self._read_at, self._clock())
            age = age_text((self._clock() - self._read_at).total_seconds())
            as_of = f"as of {when} UTC ({age} old)"
            text = f"⚠ Not current: {as_of}. {reason}" if reason else as_of
        self.setText(text)
        self.setToolTip(reason)
        stale = bool(reason)
        if stale != self._stale or not self.styleSheet():
            self.setStyleSheet(STALE_STYLE if stale else CURRENT_STYLE)
        if stale != self._stale:
            self._stale = stale
            self.stale_changed.emit(stale)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.update_text()
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()


def since_text(moment: datetime | None, now: datetime) -> str:
    """`09:12:03 UTC (3 h 2 min ago)`, or "—" when the broker did not say."""
    if moment is None:
        return "—"
    return f"{moment_text(moment, now)} UTC ({age_text((now - moment).total_seconds())} ago)"
