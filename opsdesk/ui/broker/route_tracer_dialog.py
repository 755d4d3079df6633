"""The route tracer: where a message published to an exchange goes, where a queue's dead
letters go, and why a queue receives nothing, over one reading of the vhost's topology.

The reading (exchanges, queues, bindings, policies: broker/topology.py) is taken on the
dialog's reader thread; tracing over it is pure and instant, so Enter answers at once from
the reading shown, whose age the dialog says. A reading older than REREAD_AFTER_S is taken
again before tracing; Refresh (F5) takes one now. When the management API cannot be read
the answer is one plain sentence, and an earlier reading stays, greyed, with its age.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from opsdesk.broker.dead_letter_chain import dead_letter_chain
from opsdesk.broker.management_api import ManagementClient
from opsdesk.broker.queue_feeds import queue_feeds
from opsdesk.broker.route_tracer import trace
from opsdesk.broker.topology import Topology, read_topology
from opsdesk.config import Profile
from opsdesk.config.endpoint import vhost_of
from opsdesk.operations.test_message import parse_headers
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.broker.broker_reads import failure_sentence
from opsdesk.ui.broker.figures_age import FiguresAge
from opsdesk.ui.broker.route_question import DEAD_LETTERS, INTO, WHERE, RouteQuestion
from opsdesk.ui.broker.route_result_view import RouteResultView
from opsdesk.ui.operations.single_write_dialog import OpenDialogs
from opsdesk.ui.operations.test_message_dialog import open_test_message_dialog

log = logging.getLogger(__name__)

API_TIMEOUT = 15.0  # seconds: a vhost's every binding is a larger answer than one queue
REREAD_AFTER_S = 30.0
READER_STOP_S = 10.0


class RouteTracerDialog(QDialog):
    """Non-modal. `traced` follows every answer shown (its text); `topology_read` every reading;
    `operation_finished` a test message published from here (its audited OperationResult)."""

    traced = Signal(str)
    topology_read = Signal(object)  # Topology
    operation_finished = Signal(object)  # OperationResult

    def __init__(
        self,
        profile: Profile,
        db_path: Path,
        *,
        vhost: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("routeTracer")
        self.profile = profile
        self.db_path = db_path
        self.vhost = vhost if vhost is not None else vhost_of(profile.endpoint.url)
        self.setWindowTitle(f"Trace a Route — vhost {self.vhost}")
        self.topology: Topology | None = None
        self._pending = False  # a trace waits for the reading
        self._closed = False
        self.writes = OpenDialogs()
        management_url = profile.monitor.management_url
        self.reader: BackgroundReader[ManagementClient] = BackgroundReader(
            lambda: ManagementClient(profile.endpoint, management_url, API_TIMEOUT),
            lambda _client: None,
            name="route-topology",
            owner=self,
        )
        self.question = RouteQuestion()
        self.trace_button = QPushButton("&Trace")
        self.trace_button.setDefault(True)
        self.trace_button.setToolTip("Answer from the reading shown (Enter)")
        self.refresh_button = QPushButton("Re&fresh")
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.setToolTip("Read the exchanges, queues and bindings again (F5)")
        self.age = FiguresAge()
        self.answer = RouteResultView()
        self.publish_button = QPushButton("&Publish a Test Message Here…")
        self.publish_button.setAutoDefault(False)
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)

        self.trace_button.clicked.connect(self.trace)
        self.refresh_button.clicked.connect(self.refresh)
        self.publish_button.clicked.connect(self._on_publish_clicked)
        self.close_button.clicked.connect(self.close)
        self.question.mode_changed.connect(self._on_mode_changed)
        self.question.submitted.connect(self.trace)
        self.age.stale_changed.connect(self.answer.set_stale)
        refresh = QAction("Refresh", self)
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.triggered.connect(self.refresh)
        self.addAction(refresh)

        buttons = QHBoxLayout()
        buttons.addWidget(self.trace_button)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.age, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.publish_button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addLayout(buttons)
        layout.addWidget(self.answer, 1)
        layout.addLayout(bottom)
        self.resize(900, 600)
        self._on_mode_changed(self.question.mode)
        self.question.focus_first()
        self.refresh()

    # -- what it answers --------------------------------------------------------------------

    def ask(
        self,
        *,
        exchange: str | None = None,
        routing_key: str | None = None,
        queue: str | None = None,
        mode: int | None = None,
    ) -> None:
        """Fill in the question (a queue alone asks why it receives nothing) and answer it."""
        if mode is None:
            mode = INTO if queue is not None and exchange is None else WHERE
        self.question.fill(mode=mode, exchange=exchange, routing_key=routing_key, queue=queue)
        self.question.focus_first()
        self.trace()

    def trace(self) -> bool:
        """Answer the question shown, reading the topology first when it is old or missing."""
        if self._closed:
            return False
        if self.topology is None or self._age_s(self.topology) > REREAD_AFTER_S:
            self._pending = True
            self.refresh()
            return False
        self._pending = False
        self._answer(self.topology)
        return True

    def refresh(self) -> None:
        if self._closed:
            return
        vhost = self.vhost
        self.refresh_button.setEnabled(False)
        self.reader.submit(
            "topology",
            lambda client: read_topology(client, vhost),
            self._on_topology,
            self._on_topology_failed,
        )

    def shutdown(self) -> None:
        """Stop the reader and the test-message dialogs opened here; idempotent."""
        if self._closed:
            return
        self._closed = True
        self.writes.shutdown()
        self.reader.stop(READER_STOP_S)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def done(self, code: int) -> None:  # Esc
        self.shutdown()
        super().done(code)

    # -- internals --------------------------------------------------------------------------

    def _answer(self, topology: Topology) -> None:
        question = self.question
        try:
            headers = parse_headers(question.headers_text())
        except ValueError as exc:
            self.answer.show_problem(f"Headers: {exc}.")
            self.traced.emit(self.answer.answer_text())
            return
        mode = question.mode
        if mode == WHERE:
            route = trace(topology, question.exchange(), question.routing_key(), headers)
            self.answer.show_route(route, topology)
        elif mode == DEAD_LETTERS:
            key = question.routing_key() or None
            chain = dead_letter_chain(topology, question.queue(), key, headers)
            self.answer.show_chain(chain, topology)
        else:
            self.answer.show_feeds(queue_feeds(topology, question.queue()), topology)
        self.traced.emit(self.answer.answer_text())

    def _age_s(self, topology: Topology) -> float:
        return (datetime.now(UTC) - topology.read_at).total_seconds()

    def _on_topology(self, topology: Topology) -> None:
        self.topology = topology
        self.refresh_button.setEnabled(True)
        self.age.show_read(topology.read_at)
        self.question.set_names(list(topology.exchanges), list(topology.queues))
        self.topology_read.emit(topology)
        if self._pending or self.answer.topLevelItemCount():
            self._pending = False
            self._answer(topology)  # what is shown answers from the new reading

    def _on_topology_failed(self, error: Exception) -> None:
        sentence = failure_sentence(error)
        log.info("route tracer: the topology was not read: %s", sentence)
        self.refresh_button.setEnabled(True)
        self.age.show_failure(sentence)
        if self.topology is None:
            self.answer.show_problem(sentence)
            self.traced.emit(self.answer.answer_text())
        elif self._pending:  # an answer from the older reading, greyed, beats none
            self._pending = False
            self._answer(self.topology)

    def _on_mode_changed(self, mode: int) -> None:
        self.answer.clear()  # it answered another question
        in_vhost = self.vhost == vhost_of(self.profile.endpoint.url)
        self.publish_button.setEnabled(mode == WHERE and in_vhost)
        self.publish_button.setToolTip(
            "Open the test message dialog with this exchange, key and headers"
            if in_vhost
            else f"The desk publishes in the profile's vhost only, not {self.vhost!r}"
        )

    def _on_publish_clicked(self) -> None:
        question = self.question
        exchanges = list(self.topology.exchanges) if self.topology is not None else []
        dialog = open_test_message_dialog(
            self,
            self.profile,
            self.db_path,
            exchange=question.exchange(),
            routing_key=question.routing_key(),
            headers=question.headers_text(),
            exchanges=exchanges,
        )
        dialog.operation_finished.connect(self.operation_finished)
        self.writes.add(dialog)


def open_route_tracer(
    parent: QWidget | None,
    profile: Profile,
    db_path: Path,
    *,
    vhost: str | None = None,
    exchange: str | None = None,
    routing_key: str | None = None,
    queue: str | None = None,
) -> RouteTracerDialog:
    """Open a tracer (non-modal, deleted on close); given an exchange or a queue, it answers
    for them as soon as the topology is read (a queue alone: why it receives nothing)."""
    dialog = RouteTracerDialog(profile, db_path, vhost=vhost, parent=parent)
    if parent is not None:
        dialog.setWindowFlag(Qt.WindowType.Dialog)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if exchange is not None or queue is not None:
        dialog.ask(exchange=exchange, routing_key=routing_key, queue=queue)
    dialog.show()
    return dialog
