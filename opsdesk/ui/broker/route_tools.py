"""The desk's broker tools: a Tools menu with the route tracer (Ctrl+T), Declare Queue… and
Publish Test Message…, and the Broker tab's "Trace Route…" button for the chosen queue.

Every dialog opened here is non-modal and ends with the desk: a tracer's reader stops, a
running write is cancelled and waited for so its outcome is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QPushButton

from opsdesk.config import Profile
from opsdesk.operations.plan import OperationResult
from opsdesk.ui.broker.broker_panel import BrokerPanel
from opsdesk.ui.broker.route_tracer_dialog import RouteTracerDialog, open_route_tracer
from opsdesk.ui.operations.declare_queue_dialog import open_declare_queue_dialog
from opsdesk.ui.operations.operation_dialog import OperationDialog
from opsdesk.ui.operations.single_write_dialog import OpenDialogs
from opsdesk.ui.operations.test_message_dialog import open_test_message_dialog

TRACE_SHORTCUT = "Ctrl+T"
WriteFinished = Callable[[OperationResult], None]


class BrokerTools:
    """Built by the desk once the window exists; `shutdown` when the desk stops."""

    def __init__(
        self,
        window: QMainWindow,
        profile: Profile,
        db_path: Path,
        *,
        broker_panel: BrokerPanel | None = None,
        on_write_finished: WriteFinished | None = None,
    ) -> None:
        self._window = window
        self._profile = profile
        self._db_path = db_path
        self._panel = broker_panel
        self._on_write_finished = on_write_finished
        self.tracers: list[RouteTracerDialog] = []
        self.writes = OpenDialogs()
        self.menu = QMenu("T&ools", window)
        self.trace_action = self._action("&Trace Route…", self._on_trace_triggered, TRACE_SHORTCUT)
        self.declare_action = self._action("&Declare Queue…", self.open_declare_queue)
        self.publish_action = self._action("&Publish Test Message…", self.open_test_message)
        self.trace_action.setStatusTip(
            "Where a routing key goes, a queue's dead-letter chain, why a queue receives nothing"
        )
        bar = window.menuBar()
        settings = next((a for a in bar.actions() if a.text() == "&Settings"), None)
        if settings is not None:
            bar.insertMenu(settings, self.menu)
        else:
            bar.addMenu(self.menu)
        if broker_panel is not None:
            self.trace_button = QPushButton("Trace Route…")
            self.trace_button.setToolTip(
                f"Why the chosen queue receives nothing, or where a routing key goes "
                f"({TRACE_SHORTCUT})"
            )
            self.trace_button.clicked.connect(self._on_trace_triggered)
            broker_panel.add_tool(self.trace_button)

    def open_tracer(
        self,
        *,
        vhost: str | None = None,
        exchange: str | None = None,
        routing_key: str | None = None,
        queue: str | None = None,
    ) -> RouteTracerDialog:
        dialog = open_route_tracer(
            self._window,
            self._profile,
            self._db_path,
            vhost=vhost,
            exchange=exchange,
            routing_key=routing_key,
            queue=queue,
        )
        if self._on_write_finished is not None:
            dialog.operation_finished.connect(self._on_write_finished)
        self.tracers.append(dialog)
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        return dialog

    def open_declare_queue(self) -> OperationDialog:
        dialog = open_declare_queue_dialog(self._window, self._profile, self._db_path)
        self._track(dialog)
        return dialog

    def open_test_message(self) -> OperationDialog:
        dialog = open_test_message_dialog(self._window, self._profile, self._db_path)
        self._track(dialog)
        return dialog

    def shutdown(self) -> None:
        for tracer in list(self.tracers):
            tracer.shutdown()
            tracer.close()
        self.tracers.clear()
        self.writes.shutdown()

    def _action(
        self, text: str, handler: Callable[[], object], shortcut: str | None = None
    ) -> QAction:
        action = QAction(text, self._window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self._window.addAction(action)
        action.triggered.connect(lambda *_: handler())
        self.menu.addAction(action)
        return action

    def _track(self, dialog: OperationDialog) -> None:
        if self._on_write_finished is not None:
            dialog.operation_finished.connect(self._on_write_finished)
        self.writes.add(dialog)

    def _on_trace_triggered(self) -> None:
        """From the Broker tab: its vhost, and its chosen queue's ways in; else a blank one."""
        panel = self._panel
        if panel is not None and self._window.isAncestorOf(panel) and panel.isVisible():
            queue = panel.overview.chosen or None
            self.open_tracer(vhost=panel.vhost, queue=queue)
        else:
            self.open_tracer()

    def _forget(self, dialog: RouteTracerDialog) -> None:
        if dialog in self.tracers:
            self.tracers.remove(dialog)
