"""The Live tab: the newest events as they are stored, the selected one in full below."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from opsdesk.ui.event_details import EventDetailsPane
from opsdesk.ui.event_table_model import EventTableModel
from opsdesk.ui.live_event_view import LiveEventTableView


class LivePanel(QWidget):
    """Table above details: the table needs the full width for its columns."""

    def __init__(self, model: EventTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.table = LiveEventTableView(model)
        self.details = EventDetailsPane()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.table.current_event_changed.connect(self.details.show_event)
