"""Six tiles across the top: is money flowing, where is it piling up, what was recovered.

Each tile says how old its figure is; a figure that is not current is greyed with the reason
(the queue monitor out of reach, a history file that cannot be read), never shown as live.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from opsdesk.store.statistics.headline import Headline
from opsdesk.ui.dashboard.basis_text import BASIS_WHY, COUNTED, RECOVERED_WHY
from opsdesk.ui.dashboard.durations import duration_text, window_text
from opsdesk.ui.dashboard.queue_freshness import QueueFreshness

# Below these a success rate is shown as a warning / a problem. Alerts have their own
# thresholds; these only colour the number.
RATE_WARNING = 0.95
RATE_PROBLEM = 0.80
NO_DATA = "—"


class Tone(StrEnum):
    NEUTRAL = "neutral"
    GOOD = "good"
    WARNING = "warning"
    PROBLEM = "problem"
    STALE = "stale"  # not current: the caption says why


# (value colour, background, border): a mark in the caption says the same in words.
_TONES = {
    Tone.NEUTRAL: ("#202020", "#f6f6f6", "#d6d6d6"),
    Tone.GOOD: ("#185c27", "#eef8f0", "#b9dcc1"),
    Tone.WARNING: ("#6b5200", "#fff7dc", "#e0c77a"),
    Tone.PROBLEM: ("#8f1d1d", "#fdeceb", "#d9a3a1"),
    Tone.STALE: ("#8a8a8a", "#ececec", "#c4c4c4"),
}


class Tile(QFrame):
    """A title, a big value and a one-line caption."""

    def __init__(self, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"tile_{key}")
        self._title = QLabel(title, self)
        self._age = QLabel(" ", self)
        self._age.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._value = QLabel(NO_DATA, self)
        self._caption = QLabel(" ", self)
        font = QFont(self._value.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self._value.setFont(font)
        for label in (self._title, self._caption, self._age):
            label.setStyleSheet("color: #5a5a5a;")
        self._caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        header = QHBoxLayout()
        header.setSpacing(6)
        header.addWidget(self._title)
        header.addWidget(self._age, 1)
        layout.addLayout(header)
        layout.addWidget(self._value)
        layout.addWidget(self._caption)
        self.tone: Tone | None = None
        self.show_value(NO_DATA, " ", Tone.NEUTRAL)

    def value_text(self) -> str:
        return self._value.text()

    def caption_text(self) -> str:
        return self._caption.text()

    def age_text(self) -> str:
        return self._age.text()

    def show_age(self, text: str) -> None:
        """How old the figure is: `as of 10:00:05`."""
        self._age.setText(text)

    def show_value(self, value: str, caption: str, tone: Tone, why: str = "") -> None:
        """`why`: the whole sentence behind a short caption, as its tooltip."""
        if tone is not self.tone:
            # Only on a change: a style sheet re-polishes the widget (~1 ms each, every tick).
            self.tone = tone
            colour, background, border = _TONES[tone]
            self.setStyleSheet(
                f"QFrame#{self.objectName()} {{ background: {background};"
                f" border: 1px solid {border}; border-radius: 4px; }}"
            )
            self._value.setStyleSheet(f"color: {colour};")
        self._value.setText(value)
        self._caption.setText(caption)
        self._caption.setToolTip(why or caption)
        self.setToolTip(why)


class HeadlineTiles(QWidget):
    """Success rate, failures in 5 min, recoveries, messages waiting, dead letters, stuck."""

    SUCCESS_RATE = "success_rate"
    FAILURES = "failures"
    RECOVERED = "recovered"
    WAITING = "waiting"
    DEAD_LETTERS = "dead_letters"
    OLDEST_STUCK = "oldest_stuck"
    _STATISTICS = (SUCCESS_RATE, FAILURES, RECOVERED, OLDEST_STUCK)  # from the history file

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles = {
            self.SUCCESS_RATE: Tile(self.SUCCESS_RATE, "Success rate", self),
            self.FAILURES: Tile(self.FAILURES, "Failures, last 5 min", self),
            self.RECOVERED: Tile(self.RECOVERED, "Recovered", self),
            self.WAITING: Tile(self.WAITING, "Messages waiting", self),
            self.DEAD_LETTERS: Tile(self.DEAD_LETTERS, "Dead-letter depth", self),
            self.OLDEST_STUCK: Tile(self.OLDEST_STUCK, "Oldest stuck payment", self),
        }
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for tile in self.tiles.values():
            layout.addWidget(tile, 1, Qt.AlignmentFlag.AlignTop)
        self._depths: tuple[int | None, int | None] = (None, None)
        self._queue_freshness: QueueFreshness | None = None
        self._headline: Headline | None = None
        self._statistics_problem = ""

    def value_text(self, key: str) -> str:
        return self.tiles[key].value_text()

    def show_headline(self, headline: Headline, as_of: str = "") -> None:
        """The history's figures, computed `as_of` (`as of 10:00:05`); they are current."""
        self._headline = headline
        self._statistics_problem = ""
        for key in self._STATISTICS:
            self.tiles[key].show_age(as_of)
        self._show_statistics()
        self.show_queue_depths(headline.messages_waiting, headline.dead_letter_depth)

    def show_statistics_problem(self, problem: str) -> None:
        """The history's figures could not be refreshed: greyed, with `problem` as the reason."""
        self._statistics_problem = problem
        self._show_statistics()

    def show_queue_depths(self, waiting: int | None, dead_letters: int | None) -> None:
        """Updated on every sample round too, between statistics refreshes."""
        self._depths = (waiting, dead_letters)
        self._show_queues()

    def show_queue_freshness(self, freshness: QueueFreshness) -> None:
        """How old the queue figures are and whether they are current (every second)."""
        if freshness == self._queue_freshness:
            return
        self._queue_freshness = freshness
        self._show_queues()

    def _show_statistics(self) -> None:
        headline = self._headline
        if headline is None:
            return
        problem = self._statistics_problem
        if problem:
            caption = "⚠ not current: cannot refresh"
            for key in self._STATISTICS:
                tile = self.tiles[key]
                tile.show_value(tile.value_text(), caption, Tone.STALE, problem)
            return
        self._show_rate(headline)
        failures = headline.failures_5m
        self.tiles[self.FAILURES].show_value(
            f"{failures:,}",
            f"✗ failed {COUNTED[headline.basis]}" if failures else "none failed",
            Tone.WARNING if failures else Tone.NEUTRAL,
            BASIS_WHY[headline.basis],
        )
        self._show_recovered(headline)
        stuck = headline.oldest_stuck_seconds
        if stuck is None:
            self.tiles[self.OLDEST_STUCK].show_value(NO_DATA, "nothing stuck", Tone.GOOD)
        else:
            self.tiles[self.OLDEST_STUCK].show_value(
                duration_text(stuck), "⚠ waiting for an outcome", Tone.WARNING
            )

    def _show_queues(self) -> None:
        waiting, dead_letters = self._depths
        freshness = self._queue_freshness
        waiting_tile, dead_tile = self.tiles[self.WAITING], self.tiles[self.DEAD_LETTERS]
        for tile in (waiting_tile, dead_tile):
            tile.show_age(freshness.as_of_text if freshness is not None else "")
        waiting_text = NO_DATA if waiting is None else f"{waiting:,}"
        dead_text = NO_DATA if dead_letters is None else f"{dead_letters:,}"
        if freshness is not None and freshness.stale:
            caption = "⚠ not current: " + freshness.stale
            waiting_tile.show_value(waiting_text, caption, Tone.STALE, freshness.stale)
            dead_tile.show_value(dead_text, caption, Tone.STALE, freshness.stale)
            return
        if freshness is not None and freshness.partial and waiting is not None:
            # Passive declares see ready only: ready + unacked would be short of the truth.
            caption = "⚠ ready only: no unacked counts without the management API"
            waiting_tile.show_value(waiting_text, caption, Tone.STALE, freshness.partial)
        elif waiting is None:
            waiting_tile.show_value(NO_DATA, "no queue sampled", Tone.NEUTRAL)
        else:
            waiting_tile.show_value(waiting_text, "ready + unacked, watched queues", Tone.NEUTRAL)
        if dead_letters is None:
            dead_tile.show_value(NO_DATA, "no dead-letter queue sampled", Tone.NEUTRAL)
        elif dead_letters:
            dead_tile.show_value(dead_text, "⚠ messages dead-lettered", Tone.PROBLEM)
        else:
            dead_tile.show_value("0", "✓ empty", Tone.GOOD)

    def _show_rate(self, headline: Headline) -> None:
        tile = self.tiles[self.SUCCESS_RATE]
        span = window_text(headline.rate_window.total_seconds())
        rate = headline.success_rate
        why = BASIS_WHY[headline.basis]
        if rate is None:
            tile.show_value(NO_DATA, f"no outcomes in {span}", Tone.NEUTRAL, why)
            return
        tone = Tone.GOOD if rate >= RATE_WARNING else Tone.WARNING
        if rate < RATE_PROBLEM:
            tone = Tone.PROBLEM
        mark = "✓" if tone is Tone.GOOD else "⚠"
        counted = COUNTED[headline.basis]
        tile.show_value(
            f"{rate * 100:.1f} %", f"{mark} of {headline.outcomes:,} {counted}, {span}", tone, why
        )

    def _show_recovered(self, headline: Headline) -> None:
        tile = self.tiles[self.RECOVERED]
        window = headline.recovery_window
        if headline.recovered is None or window is None:
            tile.show_value(NO_DATA, "not counted", Tone.NEUTRAL)
            return
        span = window_text(window.span.total_seconds())
        recovered = headline.recovered
        caption = f"↻ payments, {span} window" if recovered else f"none in the {span} window"
        tile.show_value(
            f"{recovered:,}",
            caption,
            Tone.GOOD if recovered else Tone.NEUTRAL,
            RECOVERED_WHY.format(span=span),
        )
