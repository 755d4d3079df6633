"""The dashboard's widgets and their layout; what they show is DashboardPanel's business."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from opsdesk.ui.dashboard.chart_stack import ChartStack
from opsdesk.ui.dashboard.dashboard_charts import draw_success, draw_throughput
from opsdesk.ui.dashboard.dashboard_data import DashboardSnapshot
from opsdesk.ui.dashboard.dashboard_toolbar import DashboardToolbar
from opsdesk.ui.dashboard.durations import window_text
from opsdesk.ui.dashboard.headline_tiles import HeadlineTiles
from opsdesk.ui.dashboard.monitor_note import MonitorNote
from opsdesk.ui.dashboard.stuck_payments_view import StuckPaymentsPanel


class DashboardView(QWidget):
    """Toolbar, monitor note and tiles above; the charts beside the stuck payments."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toolbar = DashboardToolbar(self)
        self.monitor_note = MonitorNote(self)
        self.tiles = HeadlineTiles(self)
        self.chart_stack = ChartStack(self)
        self.queue_chart = self.chart_stack.queue_depth
        self.throughput_chart = self.chart_stack.throughput
        self.success_chart = self.chart_stack.success_rate
        self.charts = self.chart_stack.charts
        self.stuck = StuckPaymentsPanel(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.chart_stack)
        self.splitter.addWidget(self.stuck)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([600, 400])  # proportions; scaled to the real width
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.monitor_note)
        layout.addWidget(self.tiles)
        layout.addWidget(self.splitter, 1)

    def draw_snapshot(self, snapshot: DashboardSnapshot, *, follow: bool) -> None:
        """Charts, tiles, stuck payments and the status line; `follow`: show its window."""
        query = snapshot.query
        draw_throughput(self.throughput_chart, snapshot.status, query.now.timestamp())
        draw_success(self.success_chart, snapshot)
        self.tiles.show_headline(snapshot.headline, f"as of {query.now:%H:%M:%S}")
        self.stuck.set_payments(snapshot.stuck, query.stuck_after.total_seconds())
        if follow:
            window = snapshot.window
            self.chart_stack.set_time_range(window.start.timestamp(), window.end.timestamp())
        kind = "refreshed" if snapshot.incremental else "computed"
        self.toolbar.show_status(
            f"{kind} {query.now:%H:%M:%S} UTC in {snapshot.seconds * 1000:.0f} ms"
            f" · buckets of {window_text(snapshot.window.bucket_seconds)}"
        )
