"""The main window: builds the panels, wires them together, and remembers its layout."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import opsdesk
from opsdesk.events.model import PaymentEvent
from opsdesk.ingest.tap_state import TapPhase, TapState
from opsdesk.ui.connection_status import ConnectionStatusWidget
from opsdesk.ui.event_table_model import EventTableModel
from opsdesk.ui.live_panel import LivePanel
from opsdesk.ui.message_banner import BannerLevel, MessageBanner
from opsdesk.ui.settings import UiSettings
from opsdesk.ui.tap_bridge import TapBridge

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Tabs of panels (Live first), an inline banner for problems, the tap's state below."""

    def __init__(
        self,
        model: EventTableModel,
        bridge: TapBridge,
        settings: UiSettings,
        *,
        broker_label: str,
        log_file: Path | None = None,
        panels: Sequence[tuple[str, QWidget]] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._broker_label = broker_label
        self.setWindowTitle(f"opsdesk — {broker_label}")
        self._model = model
        self._settings = settings
        self._log_file = log_file

        self.live = LivePanel(model)
        self.table = self.live.table
        self.details = self.live.details
        self.splitter = self.live.splitter
        self.banner = MessageBanner()
        self.connection_status = ConnectionStatusWidget(broker_label)
        self._follow_label = QLabel()
        self._follow_label.setToolTip("Home jumps to the newest event and follows again")
        self.demo_badge = QLabel()
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.setStyleSheet(
            "QLabel#demoBadge { background: #6b3fa0; color: white; font-weight: bold;"
            " border-radius: 3px; padding: 1px 6px; }"
        )
        self.demo_badge.hide()
        self._outage_banner: str | None = None  # the banner shown for the current outage

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.live, "&Live")
        for title, panel in panels:
            self.tabs.addTab(panel, title)
        central = QWidget()
        layout = self._central_layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.statusBar().addWidget(self.connection_status, 1)
        self.statusBar().addPermanentWidget(self.demo_badge)
        self.statusBar().addPermanentWidget(self._follow_label)

        self._build_actions()
        bridge.state_changed.connect(self._on_tap_state_changed)
        bridge.counters_changed.connect(self.connection_status.show_counters)
        bridge.events_stored.connect(self._on_events_stored)
        self.table.follow_state_changed.connect(self._on_follow_state_changed)
        self._on_follow_state_changed(True, 0)
        self._restore_layout()

    def add_banner(self, banner: QWidget) -> None:
        """Another banner (alerts) above the tabs, below the problem banner."""
        self._central_layout.insertWidget(1, banner)

    def add_settings_action(self, text: str, handler: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(handler)
        self._settings_menu.addAction(action)
        return action

    def show_demo(self, exchange: str) -> None:
        """Say, for as long as the window is open, that the traffic is the simulator's."""
        self.setWindowTitle(f"opsdesk — DEMO — {self._broker_label}")
        self.demo_badge.setText(f"DEMO: simulator publishing to {exchange}")
        self.demo_badge.setToolTip(
            "Started with --demo: a simulated payment system publishes to this exchange "
            "beside the window. None of these payments is real."
        )
        self.demo_badge.show()

    def show_demo_stopped(self) -> None:
        """The simulator ended (the banner says why); the window is still in demo mode."""
        self.demo_badge.setText("DEMO: simulator stopped")

    def show_panel(self, panel: QWidget) -> None:
        """Bring `panel`'s tab to the front."""
        self.tabs.setCurrentWidget(panel)

    def show_problem(self, text: str, level: BannerLevel = BannerLevel.WARNING) -> None:
        """An expected problem (broker, history file): shown inline, never modal."""
        self.banner.show_message(text, level)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_layout()
        super().closeEvent(event)

    # -- building -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self.quit_action = self._action("&Quit", [QKeySequence.StandardKey.Quit, "Ctrl+Q"])
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self._on_quit_triggered)
        file_menu.addAction(self.quit_action)

        edit_menu = menus.addMenu("&Edit")
        self.copy_details_action = self._action("&Copy Event Details", ["Ctrl+Shift+C"])
        self.copy_details_action.triggered.connect(self._on_copy_details_triggered)
        edit_menu.addAction(self.copy_details_action)

        view_menu = menus.addMenu("&View")
        self.jump_to_newest_action = self._action("&Jump to Newest", ["Home", "Ctrl+Home"])
        self.jump_to_newest_action.setStatusTip("Go back to the top and follow new events")
        self.jump_to_newest_action.triggered.connect(self._on_jump_to_newest_triggered)
        self.clear_selection_action = self._action("C&lear Selection", ["Esc"])
        self.clear_selection_action.triggered.connect(self._on_clear_selection_triggered)
        self.focus_table_action = self._action("Focus Event &Table", ["Ctrl+1"])
        self.focus_table_action.triggered.connect(self._on_focus_table_triggered)
        self.focus_details_action = self._action("Focus Event &Details", ["Ctrl+2"])
        self.focus_details_action.triggered.connect(self._on_focus_details_triggered)
        for action in (
            self.jump_to_newest_action,
            self.clear_selection_action,
            self.focus_table_action,
            self.focus_details_action,
        ):
            view_menu.addAction(action)

        self._settings_menu = menus.addMenu("&Settings")

        help_menu = menus.addMenu("&Help")
        self.about_action = self._action("&About opsdesk", [])
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self._on_about_triggered)
        help_menu.addAction(self.about_action)

    def _action(self, text: str, keys: list[QKeySequence.StandardKey | str]) -> QAction:
        action = QAction(text, self)
        sequences: list[QKeySequence] = []
        for key in keys:
            for sequence in (
                QKeySequence.keyBindings(key)
                if isinstance(key, QKeySequence.StandardKey)
                else [QKeySequence(key)]
            ):
                if sequence not in sequences:
                    sequences.append(sequence)
        action.setShortcuts(sequences)
        # Window-wide, so the shortcuts work whichever panel has the focus.
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(action)
        return action

    def _restore_layout(self) -> None:
        geometry = self._settings.window_geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 780)
        state = self._settings.window_state
        if state is not None:
            self.restoreState(state)
        splitter = self._settings.splitter_state
        if splitter is None or not self.splitter.restoreState(splitter):
            self.splitter.setSizes([420, 340])
        details_splitter = self._settings.details_splitter_state
        if details_splitter is None or not self.details.splitter.restoreState(details_splitter):
            self.details.splitter.setSizes([520, 760])
        header = self._settings.table_header_state
        if header is not None:
            self.table.horizontalHeader().restoreState(header)

    def _save_layout(self) -> None:
        self._settings.window_geometry = self.saveGeometry()
        self._settings.window_state = self.saveState()
        self._settings.splitter_state = self.splitter.saveState()
        self._settings.details_splitter_state = self.details.splitter.saveState()
        self._settings.table_header_state = self.table.horizontalHeader().saveState()
        self._settings.sync()

    # -- slots ----------------------------------------------------------------------------

    def _on_events_stored(self, events: Sequence[PaymentEvent]) -> None:
        self._model.append_live(events)

    def _on_tap_state_changed(self, state: TapState) -> None:
        self.connection_status.show_state(state)
        if state.phase == TapPhase.STOPPED and state.detail:
            self.show_problem(
                f"Live capture stopped: {state.detail}. Events are not being recorded.",
                BannerLevel.ERROR,
            )
        elif state.phase == TapPhase.RECONNECTING and state.detail:
            self._show_outage(state.detail)
        elif state.phase == TapPhase.CONNECTED:
            if self._outage_banner is not None and self._banner_shows(self._outage_banner):
                self.banner.hide()
            self._outage_banner = None

    def _show_outage(self, reason: str) -> None:
        """The status bar may have to shorten the reason; the banner shows all of it, once per
        outage: dismissed (or replaced by another problem), it stays away until the next."""
        if self._outage_banner is not None and not self._banner_shows(self._outage_banner):
            return
        self._outage_banner = (
            f"Not connected to the broker. {reason} opsdesk retries on its own; no live "
            "events arrive until it reconnects."
        )
        self.show_problem(self._outage_banner, BannerLevel.WARNING)

    def _banner_shows(self, text: str) -> bool:
        return not self.banner.isHidden() and self.banner.text() == text

    def _on_follow_state_changed(self, following: bool, newer: int) -> None:
        if following:
            self._follow_label.setText("● following newest")
        elif newer:
            self._follow_label.setText(f"‖ holding · {newer:,} newer above")
        else:
            self._follow_label.setText("‖ holding selection")

    def _on_quit_triggered(self) -> None:
        self.close()

    def _on_copy_details_triggered(self) -> None:
        text = self.details.text()
        if text:
            QGuiApplication.clipboard().setText(text)

    def _on_jump_to_newest_triggered(self) -> None:
        self.table.jump_to_newest()

    def _on_clear_selection_triggered(self) -> None:
        self.table.clear_selection()

    def _on_focus_table_triggered(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_focus_details_triggered(self) -> None:
        self.details.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_about_triggered(self) -> None:
        about = QMessageBox(
            QMessageBox.Icon.Information,
            "About opsdesk",
            f"opsdesk {opsdesk.__version__}\n\n"
            "A desktop operations console for payment systems on RabbitMQ.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        about.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        about.open()  # window-modal without a nested event loop
