"""Browse a Kafka topic in the window: records page by page, nothing consumed, each record in
the queue browser's detail view (Tools ▸ Browse Kafka Topic…, when the profile has clusters).

Reads run on a BackgroundReader thread (the cluster may take seconds to answer; a read ends
within record_browse's time limit); the keyring is asked there too, for a SASL cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsdesk.config import Profile
from opsdesk.config.kafka_settings import with_password
from opsdesk.kafka.failure_text import describe_kafka_failure
from opsdesk.operations.kafka_browse import WHAT_BROWSING_DOES
from opsdesk.operations.kafka_browse_pages import TopicPage, first_page, next_page
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.message_banner import MessageBanner
from opsdesk.ui.operations.browse_table_model import BrowseTableModel
from opsdesk.ui.operations.kafka_browser_form import KafkaBrowserForm, TopicQuery
from opsdesk.ui.operations.message_details import MessageDetailsPane
from opsdesk.ui.operations.table_style import fit_columns, style_table

PAGE_SIZE = 100  # records per partition and page
BROWSE_SHORTCUT = "Ctrl+Shift+K"
READER_STOP_S = 12.0  # a read ends within its time limit (10 s)


class KafkaBrowserDialog(QDialog):
    """Non-modal; `shutdown` before the desk stops (the reader thread ends)."""

    def __init__(
        self,
        profile: Profile,
        db_path: Path,
        parent: QWidget | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Browse Kafka Topic")
        self._profile_name = profile.name
        self._db_path = db_path
        self._page_size = page_size
        self._query: TopicQuery | None = None
        self._next_starts: dict[int, int] = {}
        self._reader: BackgroundReader[None] = BackgroundReader(
            lambda: None, lambda _: None, name="kafka-browser", owner=self
        )
        self.form = KafkaBrowserForm(profile.kafka)
        self.browse_button = QPushButton("&Browse")
        self.browse_button.setDefault(True)
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.more_button = QPushButton("&Next Page")
        self.more_button.setShortcut(QKeySequence("Ctrl+PgDown"))
        self.more_button.setEnabled(False)
        self.more_button.clicked.connect(self._on_more_clicked)
        self.banner = MessageBanner()
        self.result_label = QLabel(WHAT_BROWSING_DOES)
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.model = BrowseTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("kafkaBrowseTable")
        self.table.setModel(self.model)
        style_table(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.details = MessageDetailsPane()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setChildrenCollapsible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.result_label, 1)
        buttons.addWidget(self.browse_button)
        buttons.addWidget(self.more_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.resize(900, 700)

    @property
    def busy(self) -> bool:
        return self._reader.busy

    def shutdown(self) -> None:
        self._reader.stop(READER_STOP_S)

    def _on_browse_clicked(self) -> None:
        query = self.form.query()
        if isinstance(query, str):
            self.banner.show_message(query)
            return
        self._query = query
        self.model.set_messages(())
        self.details.show_message(None, None)
        job = partial(self._first, query)
        self._read(f"Reading {query.topic}…", job)

    def _on_more_clicked(self) -> None:
        query, starts = self._query, dict(self._next_starts)
        if query is None or not starts:
            return
        self._read(f"Reading the next page of {query.topic}…", partial(self._next, query, starts))

    def _first(self, query: TopicQuery, _context: None) -> TopicPage:
        settings = with_password(self._profile_name, query.cluster)
        size = self._page_size
        return first_page(settings, self._db_path, query.topic, query.start, query.partition, size)

    def _next(self, query: TopicQuery, starts: dict[int, int], _context: None) -> TopicPage:
        settings = with_password(self._profile_name, query.cluster)
        return next_page(settings, self._db_path, query.topic, starts, self._page_size)

    def _read(self, what: str, job: Callable[[None], TopicPage]) -> None:
        self.banner.hide()
        self.result_label.setText(what)
        self.browse_button.setEnabled(False)
        self.more_button.setEnabled(False)
        self._reader.submit("page", job, self._on_page_read, self._on_read_failed)

    def _on_page_read(self, page: TopicPage) -> None:
        shown = self.model.messages() + page.messages
        recorded = {
            m.message_id: e for m in shown if m.message_id and (e := self.model.history_copy(m))
        }
        recorded.update(page.recorded)
        self.model.set_messages(shown)
        self.model.set_history(recorded)
        fit_columns(self.table)
        self._next_starts = page.next_starts
        more = "; Next Page reads on" if page.has_more else "; nothing more to read"
        notes = [n for n in page.notes if n != WHAT_BROWSING_DOES]
        self.result_label.setText(" ".join([f"{len(shown)} records{more}.", *notes]))
        self.browse_button.setEnabled(True)
        self.more_button.setEnabled(page.has_more)
        if not self.table.currentIndex().isValid() and shown:
            self.table.selectRow(0)

    def _on_read_failed(self, error: Exception) -> None:
        where = self._query.cluster.where() if self._query is not None else "the cluster"
        text = str(error) if isinstance(error, ValueError) else describe_kafka_failure(error, where)
        self.banner.show_message(text[:1].upper() + text[1:] if text else text)
        self.result_label.setText(WHAT_BROWSING_DOES)
        self.browse_button.setEnabled(True)
        self.more_button.setEnabled(bool(self._next_starts))

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        message = self.model.message(current.row()) if current.isValid() else None
        recorded = self.model.history_copy(message) if message is not None else None
        self.details.show_message(message, recorded)


class KafkaBrowsers:
    """The Tools menu's "Browse Kafka Topic…" and the dialogs it opened."""

    def __init__(self, window: QWidget, menu: QMenu, profile: Profile, db_path: Path) -> None:
        self._window, self._profile, self._db_path = window, profile, db_path
        self.dialogs: list[KafkaBrowserDialog] = []
        self.action = QAction("Browse &Kafka Topic…", window)
        self.action.setShortcut(QKeySequence(BROWSE_SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setStatusTip("A topic's records at an offset or a time, nothing consumed")
        self.action.triggered.connect(lambda *_: self.open())
        window.addAction(self.action)
        menu.addSeparator()
        menu.addAction(self.action)

    def open(self) -> KafkaBrowserDialog:
        dialog = KafkaBrowserDialog(self._profile, self._db_path, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda *_: dialog.shutdown())
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        self.dialogs.append(dialog)
        dialog.show()
        return dialog

    def shutdown(self) -> None:
        for dialog in list(self.dialogs):
            dialog.shutdown()
            dialog.close()
        self.dialogs.clear()

    def _forget(self, dialog: KafkaBrowserDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)


def install_kafka_browser(
    window: QWidget, menu: QMenu, profile: Profile, db_path: Path
) -> Callable[[], None]:
    """The menu action when the profile has Kafka clusters; what stops its dialogs."""
    if not profile.kafka:
        return lambda: None
    return KafkaBrowsers(window, menu, profile, db_path).shutdown
