"""The broker's connections and channels, and in one line which of them are held back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from opsdesk.broker.connections import BrokerConnections
from opsdesk.ui.broker.connections_model import ChannelsModel, ConnectionsModel
from opsdesk.ui.broker.figures_age import FiguresAge
from opsdesk.ui.broker.figures_table import figures_table

CONNECTION_WIDTHS = (240, 70, 80, 300, 70, 170, 130)
CHANNEL_WIDTHS = (320, 300, 80, 120, 80, 90)
HELD_STYLE = "QLabel#heldSummary { color: #a4262c; font-weight: bold; }"


def held_summary(connections: BrokerConnections) -> str:
    """ "12 connections, 20 channels; 2 blocked, 1 in flow", or that none is held back."""
    held = connections.held_back()
    blocked = sum(1 for c in held if c.blocked)
    flow = sum(1 for c in held if c.flow_controlled)
    channels_in_flow = len(connections.channels_in_flow())
    counts = f"{len(connections.connections)} connections, {len(connections.channels)} channels"
    parts = [
        f"{blocked} connection{'s' if blocked != 1 else ''} blocked by a resource alarm"
        if blocked
        else "",
        f"{flow} connection{'s' if flow != 1 else ''} flow-controlled" if flow else "",
        f"{channels_in_flow} channel{'s' if channels_in_flow != 1 else ''} in flow"
        if channels_in_flow
        else "",
    ]
    held_text = "; ".join(p for p in parts if p)
    return f"{counts}: {held_text}" if held_text else f"{counts}; none blocked or flow-controlled"


class ConnectionsView(QWidget):
    def __init__(self, *, late_after: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connections_model = ConnectionsModel(self)
        self.channels_model = ChannelsModel(self)
        self.summary = QLabel("Connections and channels of the whole broker.")
        self.summary.setObjectName("heldSummary")
        self.summary.setWordWrap(True)
        self.age = FiguresAge(late_after=late_after)
        self.age.stale_changed.connect(self.connections_model.set_stale)
        self.age.stale_changed.connect(self.channels_model.set_stale)
        self.connections_table = figures_table(
            self.connections_model, CONNECTION_WIDTHS, "connectionsTable"
        )
        self.channels_table = figures_table(self.channels_model, CHANNEL_WIDTHS, "channelsTable")
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.connections_table)
        self.splitter.addWidget(self.channels_table)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.age)
        layout.addWidget(self.splitter, 1)

    def show_connections(self, connections: BrokerConnections) -> None:
        self.connections_model.replace_rows(connections.connections)
        self.channels_model.replace_rows(connections.channels)
        self.summary.setText(held_summary(connections))
        held = bool(connections.held_back() or connections.channels_in_flow())
        self.summary.setStyleSheet(HELD_STYLE if held else "")
        self.age.show_read(connections.read_at)

    def show_failure(self, reason: str) -> None:
        self.age.show_failure(reason)
