"""The line above the history table: what the filter asks, how many rows match, what is new."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from opsdesk.store.event_filter import EventFilter
from opsdesk.store.search import SearchProgress


class ResultSummary(QWidget):
    """The filter as a readable line (or why the fields are wrong), and the count."""

    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.description = QLabel()
        self.description.setObjectName("historyFilterDescription")
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem = QLabel()
        self.problem.setObjectName("historyFilterProblem")
        self.problem.setStyleSheet("QLabel#historyFilterProblem { color: #8f1d1d; }")
        self.problem.hide()
        self.count_label = QLabel()
        self.count_label.setObjectName("historyCount")
        font = self.count_label.font()
        font.setBold(True)
        self.count_label.setFont(font)
        self.refreshed_label = QLabel()
        self.refreshed_label.setObjectName("historyRefreshed")
        self.refreshed_label.setToolTip("When the rows were last read again (F5)")
        self.refreshed_label.hide()
        self.newer_button = QToolButton()
        self.newer_button.setToolTip("Read the filter again to place new events in this order")
        self.newer_button.clicked.connect(self.refresh_requested)
        self.newer_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.description, 1)
        layout.addWidget(self.problem, 1)
        layout.addWidget(self.newer_button)
        layout.addWidget(self.count_label)
        layout.addWidget(self.refreshed_label)

    def show_filter(self, event_filter: EventFilter, search: SearchProgress | None = None) -> None:
        text = f"Showing {event_filter.describe()}"
        if search is not None and not search.caught_up:
            text += f" · the newest {search.behind:,} events are not searchable yet"
        self.description.setText(text)

    def show_problem(self, problem: str) -> None:
        """Why the fields do not make a filter; "" when they do."""
        self.problem.setText(f"⚠ {problem}" if problem else "")
        self.problem.setVisible(bool(problem))
        self.description.setVisible(not problem)

    def show_count(self, count: int, complete: bool) -> None:
        noun = "event" if count == 1 else "events"
        self.count_label.setText(
            f"{count:,} {noun}" if complete else f"{count:,}+ {noun}, counting…"
        )

    def show_searching(self, refreshing: bool = False) -> None:
        self.count_label.setText("refreshing…" if refreshing else "searching…")

    def show_refreshed(self, at: datetime | None) -> None:
        """The time of the last refresh the rows come from; None hides it (a new filter)."""
        self.refreshed_label.setText(f"· refreshed {at:%H:%M:%S}" if at is not None else "")
        self.refreshed_label.setVisible(at is not None)

    def show_failed(self) -> None:
        self.count_label.setText("—")

    def show_newer_waiting(self, count: int) -> None:
        self.newer_button.setText(f"{count:,} newer match · Refresh (F5)")
        self.newer_button.setVisible(count > 0)
