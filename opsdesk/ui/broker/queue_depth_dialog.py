"""One queue's depth over time, opened from its overview row.

Two sources, said apart: the queue monitor's stored samples of the last hour (ready and
unacked; only the queues it watches) and the desk's recent readings of the total, which the
sparkline draws too (the monitor's and this tab's, every queue, for the last few minutes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from opsdesk.broker.queue_sample import QueueSample
from opsdesk.ui.broker.depth_history import DepthHistory
from opsdesk.ui.broker.figures_age import utc_now
from opsdesk.ui.dashboard.chart_style import series_colour
from opsdesk.ui.dashboard.queue_freshness import moment_text, parse_utc
from opsdesk.ui.dashboard.time_chart import SeriesStyle, TimeChart

STORED_SPAN_S = 3600  # the monitor's samples of the last hour
READY, UNACKED, TOTAL = "ready (monitor)", "unacked (monitor)", "total (recent)"


class QueueDepthDialog(QDialog):
    def __init__(
        self, vhost: str, queue: str, depths: DepthHistory, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("queueDepthDialog")
        self.setWindowTitle(f"Depth of {queue}")
        self.vhost, self.queue = vhost, queue
        self._depths = depths
        self._stored: Sequence[QueueSample] | None = None  # None: not read yet
        self.chart = TimeChart(f"{queue} ({vhost})", "messages", whole_numbers=True)
        self.note = QLabel("Reading the monitor's stored samples…")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.note)
        self.resize(760, 420)
        self.redraw()

    def show_stored(self, samples: Sequence[QueueSample]) -> None:
        self._stored = samples
        self.redraw()

    def redraw(self) -> None:
        """Both sources again (the tab's readings grow with every refresh)."""
        names = []
        stored = self._stored or ()
        if stored:
            xs = np.array([parse_utc(s.taken_at).timestamp() for s in stored])
            ready = np.array([float(s.messages_ready) for s in stored])
            unacked = np.array(
                [
                    np.nan if s.messages_unacked is None else float(s.messages_unacked)
                    for s in stored
                ]
            )
            self.chart.set_series(READY, xs, ready, SeriesStyle(series_colour(0)))
            self.chart.set_series(UNACKED, xs, unacked, SeriesStyle(series_colour(0), dashed=True))
            names += [READY, UNACKED]
        track = self._depths.track(self.vhost, self.queue)
        if track is not None and len(track.xs):
            xs, ys = np.array(track.xs), np.array(track.ys)
            self.chart.set_series(TOTAL, xs, ys, SeriesStyle(series_colour(1)))
            names.append(TOTAL)
        self.chart.retain(names)
        self.note.setText(self._note(track.xs[0] if track is not None and track.xs else None))

    def _note(self, first_reading: float | None) -> str:
        tab = (
            "Total (recent): ready + unacked as the desk read them since "
            f"{moment_text(datetime.fromtimestamp(first_reading, UTC), utc_now())} UTC, "
            "as the sparkline draws them."
            if first_reading is not None
            else "The desk has no recent reading of this queue yet."
        )
        if self._stored is None:
            return f"Reading the monitor's stored samples… {tab}"
        if not self._stored:
            return (
                "The queue monitor has no sample of this queue in the last hour (it samples "
                f"the profile's watched queues). {tab}"
            )
        return f"Ready and unacked: the queue monitor's samples of the last hour. {tab}"
