"""The Broker tab: every queue at a glance, who consumes it, connections, node health.

Every read runs on the tab's reader thread (BrokerReads), every few seconds while the tab
is shown and at once on F5; the UI thread only draws the answers. Each figure area says how
old its figures are and, when a read fails, greys them and says why (FiguresAge).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from opsdesk.broker.connections import BrokerConnections
from opsdesk.broker.node_health import ClusterHealth
from opsdesk.broker.queue_overview_values import QueueOverview
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config import Profile
from opsdesk.config.endpoint import vhost_of
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.broker.alarm_strip import AlarmStrip
from opsdesk.ui.broker.broker_reads import BrokerReads, failure_sentence
from opsdesk.ui.broker.connections_view import ConnectionsView
from opsdesk.ui.broker.consumers_view import ConsumersView
from opsdesk.ui.broker.depth_history import SPAN_S, DepthHistory
from opsdesk.ui.broker.node_health_view import NodeHealthView
from opsdesk.ui.broker.queue_overview_view import QueueOverviewView
from opsdesk.ui.broker.queue_row_actions import QueueRowActions
from opsdesk.ui.dashboard.monitor_bridge import MonitorBridge
from opsdesk.ui.message_banner import MessageBanner
from opsdesk.ui.operations.read_only_badge import read_only_tip

log = logging.getLogger(__name__)

REFRESH_MS = 5000  # the management API's statistics change every 5 s by default
LATE_AFTER_S = 30.0  # figures this old are stale even if no read has failed
READER_STOP_S = 10.0
QUEUES_TAB, CONNECTIONS_TAB, NODES_TAB = range(3)


class BrokerPanel(QWidget):
    browse_requested = Signal(str)  # a queue of the profile's vhost, to open in the browser
    operation_finished = Signal(object)  # OperationResult of a move or dead-letter run here

    def __init__(
        self,
        profile: Profile,
        db_path: Path,
        monitor: MonitorBridge | None = None,
        *,
        refresh_ms: int = REFRESH_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("brokerPanel")
        self.profile = profile
        self.profile_vhost = vhost_of(profile.endpoint.url)
        self.vhost = self.profile_vhost
        self.depths = DepthHistory()
        self._closed = False
        self._started = False
        self.reader: BackgroundReader[BrokerReads] = BackgroundReader(
            lambda: BrokerReads(profile, db_path),
            BrokerReads.close,
            name="broker-reads",
            owner=self,
        )

        self.vhost_box = QComboBox()
        self.vhost_box.setAccessibleName("Virtual host")
        self.vhost_box.setMinimumContentsLength(12)
        self.vhost_box.addItem(self.profile_vhost)
        self.vhost_box.setToolTip("The virtual host whose queues are listed")
        self.refresh_button = QPushButton("Refresh (F5)")
        self.refresh_button.setToolTip("Read every figure on this tab again now")
        self.refresh_button.clicked.connect(self.refresh)
        # Broker tools that are not figures ("Trace route…", "Declare queue…") go here.
        self.tools = QHBoxLayout()
        self.banner = MessageBanner()
        self.alarm_strip = AlarmStrip()
        self.overview = QueueOverviewView(self.depths, late_after=LATE_AFTER_S)
        self.consumers = ConsumersView(late_after=LATE_AFTER_S)
        self.connections = ConnectionsView(late_after=LATE_AFTER_S)
        self.nodes = NodeHealthView(late_after=LATE_AFTER_S)
        self.row_actions = QueueRowActions(
            profile, db_path, self.profile_vhost, self.depths, self.reader, self
        )

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.overview)
        self.splitter.addWidget(self.consumers)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.sub_tabs = QTabWidget()
        self.sub_tabs.setObjectName("brokerSubTabs")
        self.sub_tabs.addTab(self.splitter, "Queues")
        self.sub_tabs.addTab(self.connections, "Connections")
        self.sub_tabs.addTab(self.nodes, "Nodes")
        self._layout()

        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)
        refresh_action = QAction("Refresh Broker Figures", self)
        refresh_action.setShortcut(QKeySequence("F5"))
        refresh_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh_action.triggered.connect(self.refresh)
        self.addAction(refresh_action)
        self.vhost_box.currentTextChanged.connect(self._on_vhost_chosen)
        self.sub_tabs.currentChanged.connect(self._on_sub_tab_changed)
        self.overview.queue_chosen.connect(self._on_queue_chosen)
        self.overview.browse_requested.connect(self.browse_requested)
        self.overview.move_requested.connect(self.row_actions.open_move)
        self.overview.dead_letter_requested.connect(self.row_actions.open_dead_letter)
        self.overview.chart_requested.connect(self.row_actions.open_chart)
        self.row_actions.busy.connect(self.banner.show_message)
        self.row_actions.operation_finished.connect(self._on_operation_finished)
        if profile.read_only:
            self.overview.set_writes_locked(read_only_tip(profile.name))
        if monitor is not None:
            monitor.samples_arrived.connect(self._on_samples)

    # -- what the window asks ---------------------------------------------------------------

    def refresh(self) -> None:
        """Read what the tab shows again, in the background."""
        if self._closed:
            return
        vhost = self.vhost
        self.reader.submit(
            "overview",
            lambda reads: reads.overview(vhost),
            lambda result: self._on_overview(vhost, result),
            lambda error: self._on_overview_failed(vhost, error),
        )
        self.reader.submit("health", BrokerReads.health, self._on_health)
        queue = self.overview.chosen
        if queue:
            self._read_consumers(queue)
        if self.sub_tabs.currentIndex() == CONNECTIONS_TAB:
            self.reader.submit(
                "connections",
                BrokerReads.connections,
                self._on_connections,
                self._on_connections_failed,
            )

    def add_tool(self, widget: QWidget) -> None:
        """A broker tool's button beside Refresh (the route tracer's, say)."""
        self.tools.addWidget(widget)

    def shutdown(self) -> None:
        """Stop refreshing, cancel a running move or dead-letter, stop the reader; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self.row_actions.shutdown()
        self.reader.stop(READER_STOP_S)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._closed:
            return
        if not self._started:
            self._started = True
            self._read_once()
        self.refresh()
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()  # nobody looks: no reads

    # -- building ---------------------------------------------------------------------------

    def _layout(self) -> None:
        top = QHBoxLayout()
        vhost_label = QLabel("&Vhost:")
        vhost_label.setBuddy(self.vhost_box)
        top.addWidget(vhost_label)
        top.addWidget(self.vhost_box)
        top.addWidget(self.refresh_button)
        top.addLayout(self.tools)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.alarm_strip)
        layout.addWidget(self.sub_tabs, 1)

    def _read_once(self) -> None:
        """What does not change every few seconds: the vhosts, the stored depth history."""
        self.reader.submit("vhosts", BrokerReads.vhosts, self._on_vhosts, self._on_vhosts_failed)
        span = timedelta(seconds=SPAN_S)
        self.reader.submit("stored", lambda reads: reads.stored_depths(span), self._on_stored)

    def _read_consumers(self, queue: str) -> None:
        vhost = self.vhost
        self.reader.submit(
            "consumers",
            lambda reads: reads.consumers(queue, vhost),
            self.consumers.show_consumers,
            lambda error: self.consumers.show_failure(queue, failure_sentence(error)),
        )

    # -- answers ----------------------------------------------------------------------------

    def _on_overview(self, vhost: str, overview: QueueOverview) -> None:
        if vhost != self.vhost:
            return  # read before the operator switched vhosts
        self.depths.add_overview(overview)
        self.overview.show_overview(overview)
        self.row_actions.charts.redraw()

    def _on_overview_failed(self, vhost: str, error: Exception) -> None:
        if vhost == self.vhost:
            self.overview.show_failure(failure_sentence(error))

    def _on_health(self, health: ClusterHealth) -> None:
        self.alarm_strip.show_health(health)
        self.nodes.show_health(health)

    def _on_connections(self, connections: BrokerConnections) -> None:
        self.connections.show_connections(connections)

    def _on_connections_failed(self, error: Exception) -> None:
        self.connections.show_failure(failure_sentence(error))

    def _on_vhosts(self, vhosts: tuple[str, ...]) -> None:
        current = self.vhost
        self.vhost_box.blockSignals(True)
        self.vhost_box.clear()
        self.vhost_box.addItems(sorted({*vhosts, self.profile_vhost}))
        self.vhost_box.setCurrentText(current)
        self.vhost_box.blockSignals(False)

    def _on_vhosts_failed(self, error: Exception) -> None:
        log.info("vhosts not listed: %s", error)  # the overview says why the API fails

    def _on_stored(self, stored: dict[str, list[QueueSample]]) -> None:
        self.depths.add_stored(stored)
        self.overview.model.refresh_depths()

    def _on_samples(self, samples: Sequence[QueueSample]) -> None:
        self.depths.add_samples(samples)
        if self.isVisible():
            self.overview.model.refresh_depths()

    def _on_vhost_chosen(self, vhost: str) -> None:
        if not vhost or vhost == self.vhost:
            return
        self.vhost = vhost
        self.overview.clear()
        self.overview.set_actions_available(
            ""
            if vhost == self.profile_vhost
            else f"The browser, move and dead-letter work in the profile's vhost "
            f"{self.profile_vhost!r}, not in {vhost!r}."
        )
        self.refresh()

    def _on_queue_chosen(self, queue: str) -> None:
        self.row_actions.set_queue(self.vhost, queue)
        self.consumers.show_queue(queue)
        if queue:
            self._read_consumers(queue)

    def _on_sub_tab_changed(self, _index: int) -> None:
        if self.isVisible():
            self.refresh()

    def _on_operation_finished(self, result: object) -> None:
        self.operation_finished.emit(result)
        self.refresh()
