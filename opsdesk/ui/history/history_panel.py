"""The history explorer: filter bar, lazy table, details, timeline, export and retention."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from opsdesk.events.model import PaymentEvent
from opsdesk.store.errors import StoreError
from opsdesk.store.event_filter import EventFilter, TimePreset
from opsdesk.store.event_query import EventQuery
from opsdesk.store.search import SearchProgress
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.event_details import EventDetailsPane
from opsdesk.ui.history.details_follower import DetailsFollower
from opsdesk.ui.history.export_dialog import ExportDialog
from opsdesk.ui.history.filter_bar import FilterBar
from opsdesk.ui.history.history_table_model import LIVE_INTERVAL_MS, HistoryTableModel
from opsdesk.ui.history.history_table_view import HistoryTableView
from opsdesk.ui.history.page_reader import PageReader
from opsdesk.ui.history.payment_timeline_dialog import PaymentTimelineDialog
from opsdesk.ui.history.result_summary import ResultSummary
from opsdesk.ui.history.retention_dialog import RetentionDialog
from opsdesk.ui.history.saved_filter_menu import SavedFilterMenu
from opsdesk.ui.history.timeline_windows import TimelineWindows
from opsdesk.ui.message_banner import BannerLevel, MessageBanner
from opsdesk.ui.operations.payment_replay_pick import PaymentPick
from opsdesk.ui.settings import UiSettings

log = logging.getLogger(__name__)

MAX_REPLAY_SELECTION = 1000
MAX_PAYMENT_REPLAY_ROWS = 10_000  # more selected rows: the dialog offers the filter only

SAVE_COLUMNS_DELAY_MS = 500
READER_STOP_TIMEOUT_S = 5.0


class HistoryPanel(QWidget):
    """Everything about past events; call `shutdown()` before the application quits."""

    payment_activated = Signal(str)  # a payment's timeline was opened (row, box or shortcut)
    filter_applied = Signal(object)  # EventFilter now shown
    replay_requested = Signal(object)  # list[PaymentEvent]: exact messages, for the replay dialog
    payment_replay_requested = Signal(object)  # PaymentPick: payments to retry

    def __init__(
        self,
        db_path: Path,
        settings: UiSettings,
        *,
        operator: str | None = None,
        live_interval_ms: int = LIVE_INTERVAL_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self._db_path = db_path
        self._settings = settings
        self._operator = operator
        self._export: ExportDialog | None = None
        self._retention: RetentionDialog | None = None
        self._closed = False
        self._refreshing = False  # F5 (or the newer-rows button) asked; the rows are coming
        self.reader: BackgroundReader[EventQuery] = BackgroundReader(
            lambda: EventQuery(db_path), EventQuery.close, name="history-query", owner=self
        )
        self.pages = PageReader(db_path)
        self.model = HistoryTableModel(self.reader, self.pages, live_interval_ms=live_interval_ms)
        self.model.setParent(self)
        self.timelines = TimelineWindows(self.reader, self)
        self.timelines.export_requested.connect(self._on_timeline_export_requested)

        self.go_to_payment = QLineEdit()
        self.go_to_payment.setPlaceholderText("Go to payment id… (Ctrl+L)")
        self.go_to_payment.setAccessibleName("Go to payment")
        self.go_to_payment.setClearButtonEnabled(True)
        self.go_to_payment.returnPressed.connect(self._on_go_to_payment_entered)
        self.go_to_payment.setMinimumWidth(260)
        self.live_check = QCheckBox("Live")
        self.live_check.setToolTip("Add newly recorded events that match, without moving the view")
        self.live_check.setChecked(True)
        self.live_check.toggled.connect(self._on_live_toggled)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Export the rows (Ctrl+E)")
        self.export_button.clicked.connect(self._on_export_clicked)
        self.retention_button = QPushButton("History File…")
        self.retention_button.setToolTip("Size, oldest event, retention limits, prune and compact")
        self.retention_button.clicked.connect(self._on_retention_clicked)
        self.replay_payment_button = QPushButton("Replay Payment…")
        self.replay_payment_button.setObjectName("replayPaymentButton")
        self.replay_payment_button.setToolTip(
            "Retry the selected rows' payments, or every payment the filter matches: each "
            "one's request is re-sent, previewed first (Ctrl+Shift+R). To re-send exact "
            "stored messages instead: Ctrl+R"
        )
        self.replay_payment_button.clicked.connect(self._on_replay_payments_requested)

        self.filter_bar = FilterBar()
        self.saved_filters = SavedFilterMenu(self.filter_bar, settings, self)
        self.summary = ResultSummary()
        self.summary.refresh_requested.connect(self._on_refresh_requested)
        self.banner = MessageBanner()
        self.table = HistoryTableView(self.model)
        self.details = EventDetailsPane()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("historySplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        top = QHBoxLayout()
        top.addWidget(self.go_to_payment)
        top.addStretch(1)
        for widget in (
            self.live_check,
            self.replay_payment_button,
            self.export_button,
            self.retention_button,
        ):
            top.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)

        self._save_columns = QTimer(self)
        self._save_columns.setSingleShot(True)
        self._save_columns.setInterval(SAVE_COLUMNS_DELAY_MS)
        self._save_columns.timeout.connect(self._on_save_columns_timeout)
        self._build_actions()
        self.filter_bar.filter_changed.connect(self._on_filter_changed)
        self.filter_bar.problem_changed.connect(self.summary.show_problem)
        self.model.count_changed.connect(self.summary.show_count)
        self.model.count_changed.connect(self._on_count_changed)
        self.model.loading_changed.connect(self._on_loading_changed)
        self.model.query_failed.connect(self._on_query_failed)
        self.model.newer_waiting.connect(self.summary.show_newer_waiting)
        self.table.payment_activated.connect(self.open_timeline)
        self.details_follower = DetailsFollower(self.model, self.table, self.details, self.pages)
        self.details_follower.setParent(self)
        self.details_follower.read_failed.connect(self.banner.show_message)
        self.table.export_selection_requested.connect(self._on_export_selection_requested)
        self.table.replay_selection_requested.connect(self._on_replay_selection_requested)
        self.table.replay_payments_requested.connect(self._on_replay_payments_requested)
        self.table.columns_changed.connect(self._on_columns_changed)
        self._restore_layout()
        self.filter_bar.apply_now()

    # -- what the window asks ---------------------------------------------------------------

    def set_filter(self, event_filter: EventFilter, preset: TimePreset | None = None) -> None:
        """Show the rows matching `event_filter` (e.g. from a dashboard drill-down)."""
        self.filter_bar.set_filter(event_filter, preset)

    def show_undecoded(self) -> None:
        """Every stored message that did not decode (the status bar's "decode errors")."""
        self.filter_bar.set_filter(EventFilter(decode_errors_only=True))

    def focus_filter(self) -> None:
        self.filter_bar.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.text_edit.selectAll()

    def focus_go_to_payment(self) -> None:
        self.go_to_payment.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.go_to_payment.selectAll()

    def notify_events_stored(self, events: Sequence[PaymentEvent] = ()) -> None:
        """New events were recorded: look for matching ones now rather than at the next tick,
        and show them in the open timelines of their payments."""
        if self.live_check.isChecked():
            self.model.poll_newer()
        self.timelines.notify_events_stored(events)

    def open_timeline(self, payment_id: str) -> PaymentTimelineDialog:
        """Open (or raise) the timeline of `payment_id`; its events are read in the background."""
        payment_id = payment_id.strip()
        dialog = self.timelines.open(payment_id)
        # Connected once per window, however often it is raised again.
        dialog.replay_requested.connect(
            self._on_timeline_replay_requested, Qt.ConnectionType.UniqueConnection
        )
        self.payment_activated.emit(payment_id)
        return dialog

    def open_export(
        self, *, selection_only: bool = False, payment_id: str | None = None
    ) -> ExportDialog:
        if self._export is not None:
            self._export.destroyed.disconnect(self._on_export_destroyed)
            self._export.close()
        dialog = ExportDialog(
            self._db_path,
            event_filter=self.model.filter,
            up_to_id=self.model.newest_id,  # the rows as the list holds them at this click
            selection=self.table.selected_row_ids(),
            payment_id=payment_id,
            operator=self._operator,
            parent=self,
        )
        if selection_only and dialog.selection_choice.isEnabled():
            dialog.selection_choice.setChecked(True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._on_export_destroyed)
        self._export = dialog
        dialog.show()
        return dialog

    def open_retention(self) -> RetentionDialog:
        if self._retention is None:
            dialog = RetentionDialog(self._db_path, self._settings, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(self._on_retention_destroyed)
            dialog.pruned.connect(self._on_pruned)
            self._retention = dialog
        self._retention.show()
        self._retention.raise_()
        return self._retention

    def shutdown(self) -> None:
        """Save the layout, close the dialogs and stop the query thread; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._save_layout()
        self.model.set_live(False)
        self.timelines.close_all()
        for dialog in (self._export, self._retention):
            if dialog is not None:
                dialog.close()
        self.reader.stop(READER_STOP_TIMEOUT_S)
        self.pages.close()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._closed and self.live_check.isChecked():
            self.model.set_live(True)
            self.model.poll_newer()

    def hideEvent(self, event: QHideEvent) -> None:
        # Hidden (another tab in front): no polling until the operator looks again.
        self.model.set_live(False)
        super().hideEvent(event)

    # -- building ---------------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.focus_filter_action = self._action("Find in History", "Ctrl+F", self.focus_filter)
        self.go_to_payment_action = self._action(
            "Go to Payment…", "Ctrl+L", self.focus_go_to_payment
        )
        self.export_action = self._action("Export…", "Ctrl+E", self._on_export_clicked)
        self.refresh_action = self._action("Refresh History", "F5", self._on_refresh_requested)
        # Two replays, named apart: a payment is retried (its request re-sent, then followed);
        # an exact message is re-sent as it was stored, whatever it announces.
        self.replay_payment_action = self._action(
            "Replay Payment…", "Ctrl+Shift+R", self._on_replay_payments_requested
        )
        self.replay_action = self._action(
            "Replay Exact Message…", "Ctrl+R", self._on_replay_selection_requested
        )

    def _action(self, text: str, key: str, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        # Only while the panel (or a child) has the focus: other panels keep their keys.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _restore_layout(self) -> None:
        header = self._settings.history_header_state
        if header is None or not self.table.horizontalHeader().restoreState(header):
            self.table.reset_columns()
        splitter = self._settings.history_splitter_state
        if splitter is None or not self.splitter.restoreState(splitter):
            self.splitter.setSizes([460, 300])

    def _save_layout(self) -> None:
        self._save_columns.stop()
        self._settings.history_header_state = self.table.horizontalHeader().saveState()
        self._settings.history_splitter_state = self.splitter.saveState()
        self._settings.sync()

    # -- slots ------------------------------------------------------------------------------

    def _on_filter_changed(self, event_filter: EventFilter) -> None:
        self._refreshing = False
        self.summary.show_refreshed(None)  # these rows come from the new filter, not a refresh
        self.summary.show_filter(event_filter)
        self.model.set_filter(event_filter)
        self.filter_applied.emit(event_filter)
        if event_filter.text is not None:
            # Bodies become searchable behind ingest: say when the newest are not yet.
            self.reader.submit(
                "search-progress",
                lambda query: query.search_progress(),
                lambda progress: self._on_search_progress(event_filter, progress),
            )

    def _on_search_progress(self, event_filter: EventFilter, progress: SearchProgress) -> None:
        if event_filter == self.model.filter:
            self.summary.show_filter(event_filter, progress)

    def _on_loading_changed(self, loading: bool) -> None:
        if loading:
            self.summary.show_searching(refreshing=self._refreshing)
        else:
            self.banner.hide()

    def _on_query_failed(self, text: str) -> None:
        self._refreshing = False
        self.summary.show_failed()
        self.banner.show_message(f"History could not be read: {text}", BannerLevel.WARNING)

    def _on_refresh_requested(self) -> None:
        self._refreshing = True
        self.model.refresh()

    def _on_count_changed(self, _count: int, complete: bool) -> None:
        if complete and self._refreshing:
            self._refreshing = False
            self.summary.show_refreshed(datetime.now())

    def _on_live_toggled(self, live: bool) -> None:
        self.model.set_live(live and self.isVisible())

    def _on_go_to_payment_entered(self) -> None:
        payment_id = self.go_to_payment.text().strip()
        if payment_id:
            self.open_timeline(payment_id)

    def _on_export_clicked(self) -> None:
        self.open_export()

    def _on_export_selection_requested(self) -> None:
        self.open_export(selection_only=True)

    def _on_replay_selection_requested(self) -> None:
        row_ids = self.table.selected_row_ids()
        if not row_ids:
            self.banner.show_message("Select the events to replay first.", BannerLevel.INFO)
            return
        if len(row_ids) > MAX_REPLAY_SELECTION:
            self.banner.show_message(
                f"{len(row_ids):,} events selected: replay at most {MAX_REPLAY_SELECTION:,} "
                "from the window, or use `opsdesk replay` with the same filters.",
                BannerLevel.WARNING,
            )
            return
        # Bounded primary-key reads (about a millisecond per 200 rows): fine on this thread.
        try:
            with EventQuery(self._db_path) as query:
                found = query.rows(row_ids)
        except StoreError as exc:
            self.banner.show_message(f"Cannot read the selection: {exc}", BannerLevel.WARNING)
            return
        self.replay_requested.emit([found[i] for i in row_ids if i in found])

    def _on_replay_payments_requested(self) -> None:
        """The selected rows' payments (or, as the dialog's other choice, the filter's)."""
        row_ids = self.table.selected_row_ids()
        if len(row_ids) > MAX_PAYMENT_REPLAY_ROWS:
            row_ids = []  # a selection this large is the filter's rows: replay by the filter
        newest = self.model.newest_id
        event_filter = self.model.filter
        if newest is not None:  # the payments listed at this click, not those stored since
            event_filter = replace(event_filter, up_to_id=newest)
        pick = PaymentPick(row_ids=tuple(row_ids), event_filter=event_filter)
        if not pick.has_selection and not pick.has_filter:
            self.banner.show_message(
                "Select the rows of the payments to retry, or filter the history first.",
                BannerLevel.INFO,
            )
            return
        self.payment_replay_requested.emit(pick)

    def _on_timeline_replay_requested(self, payment_id: str) -> None:
        self.payment_replay_requested.emit(PaymentPick(payment_ids=(payment_id,)))

    def _on_timeline_export_requested(self, payment_id: str) -> None:
        self.open_export(payment_id=payment_id)

    def _on_retention_clicked(self) -> None:
        self.open_retention()

    def _on_pruned(self, _: object) -> None:
        self.model.refresh()  # pruned rows would otherwise show as removed

    def _on_export_destroyed(self, *_: object) -> None:
        self._export = None

    def _on_retention_destroyed(self, *_: object) -> None:
        self._retention = None

    def _on_columns_changed(self) -> None:
        self._save_columns.start()

    def _on_save_columns_timeout(self) -> None:
        self._settings.history_header_state = self.table.horizontalHeader().saveState()
        self._settings.sync()
