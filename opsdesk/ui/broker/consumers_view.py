"""Who consumes the chosen queue, with the age of that answer."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from opsdesk.broker.consumers import QueueConsumers
from opsdesk.ui.broker.consumers_model import ConsumersModel
from opsdesk.ui.broker.figures_age import FiguresAge
from opsdesk.ui.broker.figures_table import figures_table

WIDTHS = (200, 170, 130, 70, 60, 200, 80, 80, 120)


class ConsumersView(QWidget):
    def __init__(self, *, late_after: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue = ""
        self.model = ConsumersModel(self)
        self.title = QLabel()
        self.title.setObjectName("consumersTitle")
        self.title.setStyleSheet("QLabel#consumersTitle { font-weight: bold; }")
        self.summary = QLabel()
        self.age = FiguresAge(late_after=late_after)
        self.age.stale_changed.connect(self.model.set_stale)
        self.table = figures_table(self.model, WIDTHS, "consumersTable")
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.age)
        layout.addWidget(self.table, 1)
        self.show_queue("")

    def show_queue(self, queue: str) -> None:
        """Another queue chosen: its consumers are read next ("" = none chosen)."""
        self.queue = queue
        self.model.replace_rows(())
        self.age.forget()
        self.age.setVisible(bool(queue))
        self.title.setText(f"Consumers of {queue}" if queue else "Consumers")
        self.summary.setText("" if queue else "Choose a queue above to see who consumes it.")

    def show_consumers(self, consumers: QueueConsumers) -> None:
        if consumers.queue != self.queue:
            return  # an answer for a queue no longer chosen
        self.model.replace_rows(consumers.consumers)
        self.age.show_read(consumers.read_at)
        count = len(consumers.consumers)
        self.summary.setText(
            "no consumer: its messages wait until one subscribes"
            if count == 0
            else f"{count} consumer{'s' if count != 1 else ''}"
        )

    def show_failure(self, queue: str, reason: str) -> None:
        if queue == self.queue:
            self.age.show_failure(reason)
