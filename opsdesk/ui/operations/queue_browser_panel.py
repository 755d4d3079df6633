"""Browse a queue page by page without consuming it, and act on what it shows."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsdesk.broker.queue_sample import QueueInfo
from opsdesk.config import Profile
from opsdesk.events.model import PaymentEvent
from opsdesk.operations.browse import MAX_PAGE, WHAT_BROWSING_DOES, BrowsedMessage, BrowseResult
from opsdesk.operations.browse_depth import MAX_BROWSE_DEPTH
from opsdesk.operations.errors import BrowseWarning
from opsdesk.operations.queue_facts import management_client
from opsdesk.operations.service import Operations
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.message_banner import BannerLevel, MessageBanner
from opsdesk.ui.operations import browse_text
from opsdesk.ui.operations.browse_position import BrowsePosition
from opsdesk.ui.operations.browse_table_model import BrowseTableModel
from opsdesk.ui.operations.delivery_limit_prompt import ask_to_accept_risk
from opsdesk.ui.operations.message_details import MessageDetailsPane
from opsdesk.ui.operations.queue_actions import QueueActions
from opsdesk.ui.operations.read_only_badge import ReadOnlyBadge
from opsdesk.ui.operations.table_style import fit_columns, style_table
from opsdesk.ui.settings import MAX_BROWSE_PAGE, UiSettings

log = logging.getLogger(__name__)

READER_STOP_S = 10.0
EXPLANATION = (
    "Browsing fetches the messages and puts them back unacknowledged: nothing is removed, but "
    "each browsed message will show redelivered=true to its consumers, and their order may "
    "change (other consumers, quorum queues). A page at #N takes the N messages before it too "
    "(all handed back), for a few seconds, longer the deeper the page: a browse reaches "
    f"#{MAX_BROWSE_DEPTH - 1:,} at most (the position's tooltip says why). On a quorum queue "
    "with a delivery limit each browse counts as a delivery: it stops at the first message "
    "it would leave at the limit, and says so."
)


class QueueBrowserPanel(QWidget):
    """A queue picker, a page of messages with details, and the write actions on that queue."""

    browsed = Signal(object)  # BrowseResult now shown
    operation_finished = Signal(object)  # OperationResult of an action started here (audited)

    def __init__(
        self,
        profile: Profile,
        db_path: Path,
        settings: UiSettings,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("queueBrowserPanel")
        self.profile = profile
        self._db_path = db_path
        self._settings = settings
        self._result: BrowseResult | None = None
        self._closed = False
        self._listed = False
        self._generation = 0
        self._cancel_browse = threading.Event()
        self.risk_box: QMessageBox | None = None
        self.reader: BackgroundReader[Operations] = BackgroundReader(
            lambda: Operations(profile, db_path),
            lambda _ops: None,
            name="queue-browser",
            owner=self,
        )

        self.queue_box = QComboBox()
        self.queue_box.setEditable(True)
        self.queue_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.queue_box.setMinimumWidth(280)
        self.queue_box.setAccessibleName("Queue")
        queue_edit = QLineEdit()
        queue_edit.setPlaceholderText("queue name")
        queue_edit.returnPressed.connect(self._on_browse_clicked)
        self.queue_box.setLineEdit(queue_edit)
        self.list_button = QToolButton()
        self.list_button.setText("↻")
        self.list_button.setToolTip("Read the queue list from the management API")
        self.list_button.clicked.connect(self.refresh_queue_list)
        self.position = BrowsePosition()
        self.offset = self.position.field
        self.limit = QSpinBox()
        self.limit.setAccessibleName("Page size")
        self.limit.setRange(1, min(MAX_BROWSE_PAGE, MAX_PAGE))
        self.limit.setValue(settings.queue_browser_page_size)
        self.limit.setSuffix(" messages")
        self.browse_button = QPushButton("Browse")
        self.browse_button.setDefault(True)
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.previous_button = QPushButton("◀ Previous")
        self.previous_button.clicked.connect(self._on_previous_clicked)
        self.next_button = QPushButton("Next ▶")
        self.next_button.clicked.connect(self._on_next_clicked)
        self.badge = ReadOnlyBadge(profile)
        self.explanation = QLabel(EXPLANATION)
        self.explanation.setObjectName("browseExplanation")
        self.explanation.setWordWrap(True)
        self.explanation.setToolTip(WHAT_BROWSING_DOES)
        self.explanation.setStyleSheet("QLabel#browseExplanation { color: #505050; }")
        self.banner = MessageBanner()
        self.result_label = QLabel("Choose a queue and Browse.")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)

        self.model = BrowseTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("browseTable")
        self.table.setModel(self.model)
        style_table(self.table, multi_select=True)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.details = MessageDetailsPane()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setChildrenCollapsible(False)
        splitter_state = settings.queue_browser_splitter_state
        if splitter_state is None or not self.splitter.restoreState(splitter_state):
            self.splitter.setSizes([380, 300])

        self.queue_actions = QueueActions(profile, db_path, self._target)
        self.queue_actions.operation_finished.connect(self._on_operation_finished)
        self.queue_actions.busy.connect(self.banner.show_message)

        top = QHBoxLayout()
        top.addWidget(QLabel("Queue:"))
        top.addWidget(self.queue_box, 1)
        top.addWidget(self.list_button)
        for widget in (self.offset, self.limit, self.browse_button):
            top.addWidget(widget)
        top.addWidget(self.previous_button)
        top.addWidget(self.next_button)
        top.addWidget(self.badge)
        actions = QHBoxLayout()
        actions.addWidget(self.result_label, 1)
        actions.addWidget(self.queue_actions)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.explanation)
        layout.addWidget(self.position.depth_line)
        layout.addWidget(self.banner)
        layout.addLayout(actions)
        layout.addWidget(self.splitter, 1)
        self._update_controls(browsing=False)

    # -- what the window asks ---------------------------------------------------------------

    @property
    def result(self) -> BrowseResult | None:
        return self._result

    def set_known_queues(self, queues: Sequence[QueueInfo | str]) -> None:
        """Offer these queue names (e.g. the monitor's queue list); what is typed stays."""
        names = sorted({q if isinstance(q, str) else q.name for q in queues})
        typed = self.queue_box.currentText()
        self.queue_box.blockSignals(True)
        self.queue_box.clear()
        self.queue_box.addItems(names)
        self.queue_box.setEditText(typed)
        self.queue_box.blockSignals(False)

    def refresh_queue_list(self) -> None:
        """Ask the management API for the vhost's queues, in the background."""
        profile = self.profile

        def job(_ops: Operations) -> list[str]:
            client = management_client(profile.endpoint, profile.monitor.management_url)
            return [] if client is None else [str(q.get("name")) for q in client.queues()]

        self.reader.submit("queues", job, self.set_known_queues, self._on_list_failed)

    def browse(
        self, queue: str | None = None, *, offset: int | None = None, accept_risk: bool = False
    ) -> bool:
        """Read a page in the background; False (and why) when there is nothing to browse."""
        name = (queue if queue is not None else self.queue_box.currentText()).strip()
        if not name:
            self.banner.show_message("Name a queue to browse.", BannerLevel.INFO)
            return False
        if queue is not None:
            self.queue_box.setEditText(name)
        if offset is not None:
            self.offset.setValue(offset)
        first, limit = self.offset.value(), self.limit.value()
        self._generation += 1
        generation = self._generation
        # A new browse ends the one still reading (a deep one can take a while).
        self._cancel_browse.set()
        cancel = self._cancel_browse = threading.Event()
        self.banner.hide()
        last = self._result
        one_at_a_time = last.one_at_a_time if last is not None and last.queue == name else None
        self.result_label.setText(browse_text.browsing(name, first, limit, one_at_a_time))
        self._update_controls(browsing=True)
        self.reader.submit(
            "browse",
            lambda ops: ops.browse(
                name,
                offset=first,
                limit=limit,
                accept_delivery_limit_risk=accept_risk,
                cancel=cancel,
            ),
            lambda result: self._on_browsed(generation, result),
            lambda error: self._on_browse_failed(generation, name, first, error),
        )
        return True

    def selected_messages(self) -> list[BrowsedMessage]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [m for m in (self.model.message(r) for r in rows) if m is not None]

    def shutdown(self) -> None:
        """Stop a running operation (it cancels cleanly) and the reader thread; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._settings.queue_browser_splitter_state = self.splitter.saveState()
        self._settings.queue_browser_page_size = self.limit.value()
        self._settings.sync()
        self.queue_actions.shutdown()
        self._cancel_browse.set()
        self.reader.stop(READER_STOP_S)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._listed and not self._closed:
            self._listed = True
            self.refresh_queue_list()

    # -- internals --------------------------------------------------------------------------

    def _target(
        self,
    ) -> tuple[str, Sequence[BrowsedMessage], Sequence[BrowsedMessage]] | None:
        if self._result is None:
            return None
        return self._result.queue, self.selected_messages(), self.model.messages()

    def _update_controls(self, *, browsing: bool) -> None:
        self.browse_button.setEnabled(not browsing)
        first, limit = self.offset.value(), self.limit.value()
        has_page = self._result is not None and not browsing
        self.previous_button.setEnabled(has_page and first > 0)
        more, tip = browse_text.next_tip(self._result, first, limit)
        self.next_button.setEnabled(has_page and more)
        self.next_button.setToolTip(tip)
        self.queue_actions.set_available(has_page)

    # -- slots ------------------------------------------------------------------------------

    def _on_browsed(self, generation: int, result: BrowseResult) -> None:
        if generation != self._generation:
            return
        self._result = result
        self.position.show_reach(result)
        self.model.set_messages(result.messages)
        fit_columns(self.table)
        self.details.show_message(None, None)
        self.result_label.setText(browse_text.describe(result))
        notes = [n for n in result.notes if n != WHAT_BROWSING_DOES]
        if notes:
            # A stop at a message's delivery limit is the first note, and the one to read.
            level = BannerLevel.INFO if result.limit_stop is None else BannerLevel.WARNING
            self.banner.show_message("\n".join(notes), level)
        self._update_controls(browsing=False)
        ids = [m.message_id for m in result.messages]
        if any(ids):
            self.reader.submit(
                "history",
                lambda ops: ops.history_copies(ids),
                lambda copies: self._on_history(generation, copies),
            )
        self.browsed.emit(result)

    def _on_history(self, generation: int, copies: dict[str, PaymentEvent]) -> None:
        if generation == self._generation:
            self.model.set_history(copies)
            self._on_current_row_changed()

    def _on_browse_failed(self, generation: int, queue: str, offset: int, error: Exception) -> None:
        if generation != self._generation:
            return
        self._update_controls(browsing=False)
        self.result_label.setText(f"{queue}: not browsed.")
        if isinstance(error, BrowseWarning):
            self.risk_box = ask_to_accept_risk(
                self,
                queue,
                str(error),
                lambda: self.browse(queue, offset=offset, accept_risk=True),
            )
            self.risk_box.destroyed.connect(self._on_risk_box_destroyed)
            return
        self.banner.show_message(f"Cannot browse {queue}: {error}", BannerLevel.WARNING)

    def _on_risk_box_destroyed(self, *_: object) -> None:
        self.risk_box = None

    def _on_list_failed(self, error: Exception) -> None:
        self.list_button.setToolTip(f"The queue list could not be read: {error}. Type a name.")

    def _on_browse_clicked(self) -> None:
        self.browse()

    def _on_previous_clicked(self) -> None:
        self.browse(offset=max(0, self.offset.value() - self.limit.value()))

    def _on_next_clicked(self) -> None:
        self.browse(offset=self.offset.value() + self.limit.value())

    def _on_selection_changed(self, *_: object) -> None:
        count = len(self.selected_messages())
        if self._result is not None:
            suffix = f" · {count} selected" if count else ""
            self.result_label.setText(browse_text.describe(self._result) + suffix)

    def _on_current_row_changed(self, *_: object) -> None:
        message = self.model.message(self.table.currentIndex().row())
        recorded = self.model.history_copy(message) if message is not None else None
        self.details.show_message(message, recorded)

    def _on_operation_finished(self, result: object) -> None:
        if self._result is not None:
            self.result_label.setText(
                browse_text.describe(self._result) + " · changed since: Browse again to see it now"
            )
        self.operation_finished.emit(result)
