"""The dashboard's three charts stacked on one shared time axis."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QWidget

from opsdesk.ui.dashboard.time_chart import TimeChart, rate_text


class ChartStack(QSplitter):
    """Queue depth, throughput and success rate; panning one pans all three."""

    manually_moved = Signal()  # the user panned or zoomed one of the charts

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.queue_depth = TimeChart("Queue depth", "messages", whole_numbers=True)
        self.throughput = TimeChart(
            "Throughput by status, when events occurred", "events / min", value_format=rate_text
        )
        self.success_rate = TimeChart("Success rate", "success rate (%)")
        self.charts = {
            "queue_depth": self.queue_depth,
            "throughput": self.throughput,
            "success_rate": self.success_rate,
        }
        for chart in self.charts.values():
            self.addWidget(chart)
            chart.manually_moved.connect(self.manually_moved)
        for chart in (self.throughput, self.success_rate):
            chart.plot.setXLink(self.queue_depth.plot)
        self.setChildrenCollapsible(False)

    def set_time_range(self, start: float, end: float) -> None:
        self.queue_depth.set_time_range(start, end)  # the others follow through the link

    def save_png(self, key: str, path: Path) -> bool:
        return self.charts[key].save_png(path)
