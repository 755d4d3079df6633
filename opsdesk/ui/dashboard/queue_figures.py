"""The queue monitor's side of the dashboard: the depth chart, the queue tiles, their age.

Samples arrive from the monitor every few seconds and history comes from the file; both go
into the tracks and are drawn here. Once a second the figures' freshness is judged again,
because the clock moves on when samples stop coming (queue_freshness).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import QObject, QTimer

from opsdesk.broker.queue_sample import MonitorState, QueueSample
from opsdesk.ui.dashboard.dashboard_charts import draw_queue_depth
from opsdesk.ui.dashboard.headline_tiles import HeadlineTiles
from opsdesk.ui.dashboard.monitor_note import MonitorNote
from opsdesk.ui.dashboard.queue_freshness import (
    QueueFreshness,
    judge_freshness,
    newest_sample_time,
)
from opsdesk.ui.dashboard.queue_tracks import QueueTracks
from opsdesk.ui.dashboard.time_chart import TimeChart, count_text

FRESHNESS_CHECK_MS = 1000
LEGEND = "solid: ready · dashed: unacked"


class QueueFigures(QObject):
    """Owns the tracks; draws the depth chart and the queue tiles, greyed when not current."""

    def __init__(
        self,
        chart: TimeChart,
        tiles: HeadlineTiles,
        note: MonitorNote,
        clock: Callable[[], datetime],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._chart = chart
        self._tiles = tiles
        self._note = note
        self._clock = clock
        self.tracks = QueueTracks()
        self.state: MonitorState | None = None
        self.freshness: QueueFreshness | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(FRESHNESS_CHECK_MS)
        self._timer.timeout.connect(self.check_freshness)

    def set_active(self, active: bool) -> None:
        """Judge the freshness every second while someone looks."""
        if active:
            self._timer.start()
            self.check_freshness()
        else:
            self._timer.stop()

    def add_samples(self, samples: Sequence[QueueSample]) -> None:
        self.tracks.append(samples)
        self._tiles.show_queue_depths(*self.tracks.depths())
        self.check_freshness()

    def replace(self, history: dict[str, tuple[QueueSample, ...]]) -> None:
        self.tracks.replace(history)

    def show_state(self, state: MonitorState) -> None:
        self.state = state
        self.check_freshness()

    def show_headline_depths(self, samples: Mapping[str, QueueSample]) -> None:
        """After a statistics refresh: depths from the newest samples, the file's or the live."""
        self.tracks.keep_latest(samples)
        if self.tracks.latest:
            self._tiles.show_queue_depths(*self.tracks.depths())
        self.check_freshness()

    def redraw(self, drop_before: float | None) -> None:
        if drop_before is not None:
            self.tracks.drop_before(drop_before)
        draw_queue_depth(self._chart, self.tracks)
        self._chart.set_y_label("messages", count_text)
        self._show_on_chart()

    def check_freshness(self) -> None:
        as_of = newest_sample_time(self.tracks.latest.values())
        freshness = judge_freshness(as_of, self._clock(), self.state)
        if freshness == self.freshness:
            return
        self.freshness = freshness
        self._tiles.show_queue_freshness(freshness)
        self._note.show_state(self.state, freshness)
        self._show_on_chart()

    def _show_on_chart(self) -> None:
        freshness = self.freshness
        legend = LEGEND if self._chart.series_names() else ""
        if freshness is None:
            self._chart.set_legend_note(legend)
            return
        age = f"⚠ not current, {freshness.as_of_text}" if freshness.stale else freshness.as_of_text
        note = " · ".join(part for part in (legend, age) if part)
        # The reason in full is in the note above the tiles; the chart keeps one line.
        self._chart.set_legend_note(note, warning=bool(freshness.stale))
        self._chart.setToolTip(freshness.stale)
        self._chart.set_muted(bool(freshness.stale))
