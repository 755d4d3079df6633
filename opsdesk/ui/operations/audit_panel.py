"""The audit trail: records newest first, filtered and paged, verified, exported."""

from __future__ import annotations

import getpass
import logging
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsdesk.operations.plan import Action
from opsdesk.store.audit import AuditLog, AuditRecord, AuditVerification
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.details_pane import text_view
from opsdesk.ui.message_banner import BannerLevel, MessageBanner
from opsdesk.ui.operations.audit_csv import write_audit_csv
from opsdesk.ui.operations.audit_table_model import AuditTableModel, record_text
from opsdesk.ui.operations.table_style import fit_columns, style_table

log = logging.getLogger(__name__)

PAGE_SIZE = 200
READER_STOP_S = 5.0
ACTIONS = (*[a.value for a in Action], "export")
_OK_STYLE = "color: #1d6b2f; font-weight: bold;"
_BAD_STYLE = "color: #8f1d1d; font-weight: bold;"


class AuditPanel(QWidget):
    """Read-only view of the audit log; `refresh()` after an operation to show its record."""

    records_shown = Signal(int)  # how many records the table now holds
    verified = Signal(object)  # AuditVerification
    exported = Signal(object)  # Path written

    def __init__(
        self,
        db_path: Path,
        *,
        operator: str | None = None,
        page_size: int = PAGE_SIZE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("auditPanel")
        self._db_path = db_path
        self._operator = operator or _login_name()
        self._page_size = page_size
        self._offset = 0
        self._generation = 0
        self._closed = False
        self._loaded = False
        self.reader: BackgroundReader[AuditLog] = BackgroundReader(
            lambda: AuditLog(db_path, readonly=True),
            AuditLog.close,
            name="audit-reader",
            owner=self,
        )

        self.action_box = QComboBox()
        self.action_box.setAccessibleName("Action")
        self.action_box.addItem("All actions", None)
        for action in ACTIONS:
            self.action_box.addItem(action, action)
        self.action_box.currentIndexChanged.connect(self._on_filter_changed)
        self.since_check = QCheckBox("Since")
        self.since_edit = QDateTimeEdit(QDateTime.currentDateTime().addDays(-7))
        self.since_edit.setCalendarPopup(True)
        self.since_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.since_edit.setEnabled(False)
        self.since_edit.setToolTip("Local time")
        self.since_check.toggled.connect(self.since_edit.setEnabled)
        self.since_check.toggled.connect(self._on_filter_changed)
        self.since_edit.dateTimeChanged.connect(self._on_filter_changed)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.newer_button = QPushButton("◀ Newer")
        self.newer_button.clicked.connect(self._on_newer_clicked)
        self.older_button = QPushButton("Older ▶")
        self.older_button.clicked.connect(self._on_older_clicked)
        self.verify_button = QPushButton("Verify Chain")
        self.verify_button.setToolTip(
            "Check every record's hash and chain: finds edited, deleted or inserted records"
        )
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("The records shown, as CSV (this is audited too)")
        self.export_button.clicked.connect(self._on_export_clicked)
        self.verify_label = QLabel()
        self.verify_label.setObjectName("verifyResult")
        self.verify_label.setWordWrap(True)
        self.verify_label.setTextFormat(Qt.TextFormat.PlainText)
        self.verify_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.page_label = QLabel()
        self.banner = MessageBanner()

        self.model = AuditTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        style_table(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.details = text_view("Select a record to see its message ids and detail.")
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([400, 260])

        top = QHBoxLayout()
        left: tuple[QWidget, ...] = (
            QLabel("Action:"),
            self.action_box,
            self.since_check,
            self.since_edit,
            self.refresh_button,
        )
        right: tuple[QWidget, ...] = (
            self.newer_button,
            self.page_label,
            self.older_button,
            self.verify_button,
            self.export_button,
        )
        for widget in left:
            top.addWidget(widget)
        top.addStretch(1)
        for widget in right:
            top.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.verify_label)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self._update_paging()

    # -- what the window asks ---------------------------------------------------------------

    def refresh(self, *_: object) -> None:
        """Read the current page again (e.g. an operation just added a record)."""
        action = self.action_box.currentData()
        since = self._since()
        limit, offset = self._page_size, self._offset
        self._generation += 1
        generation = self._generation
        self._loaded = True
        self.reader.submit(
            "records",
            lambda audit: audit.records(limit=limit, offset=offset, action=action, since=since),
            lambda records: self._on_records(generation, records),
            self._on_read_failed,
        )

    def verify(self) -> None:
        """Walk the whole chain in the background; the result shows above the table."""
        self.verify_button.setEnabled(False)
        self.verify_label.setStyleSheet("")
        self.verify_label.setText("Verifying the chain…")
        self.reader.submit("verify", AuditLog.verify, self._on_verified, self._on_verify_failed)

    def export_csv(self, path: Path) -> None:
        """Write the shown records to `path` (and audit that export) in the background."""
        records = self.model.records()
        db_path, operator = self._db_path, self._operator

        def audit() -> None:
            with AuditLog(db_path) as writer:
                writer.record(
                    "export",
                    operator=operator,
                    source="audit_log",
                    destination=str(path),
                    outcome="ok",
                    count=len(records),
                    detail={"records": [r.id for r in records][:1000], "format": "csv"},
                )

        def job(_audit: AuditLog) -> Path:
            # Audit first: the file appears only once its export is recorded.
            write_audit_csv(path, records, before_publish=audit)
            return path

        self.reader.submit("export", job, self._on_exported, self._on_export_failed)

    def shutdown(self) -> None:
        if not self._closed:
            self._closed = True
            self.reader.stop(READER_STOP_S)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded and not self._closed:
            self.refresh()

    # -- internals --------------------------------------------------------------------------

    def _since(self) -> datetime | None:
        if not self.since_check.isChecked():
            return None
        seconds = self.since_edit.dateTime().toSecsSinceEpoch()
        return datetime.fromtimestamp(seconds, UTC)

    def _update_paging(self) -> None:
        shown = self.model.rowCount()
        self.newer_button.setEnabled(self._offset > 0)
        self.older_button.setEnabled(shown >= self._page_size)
        if shown:
            first = self._offset + 1
            self.page_label.setText(f"newest {first:,} to {first + shown - 1:,}")
        else:
            self.page_label.setText("no records")

    def _select_record(self, record_id: int) -> None:
        row = self.model.row_of(record_id)
        if row is not None:
            self.table.selectRow(row)

    # -- slots ------------------------------------------------------------------------------

    def _on_records(self, generation: int, records: list[AuditRecord]) -> None:
        if generation != self._generation:
            return
        self.banner.hide()
        self.model.set_records(records)
        if records:
            fit_columns(self.table)
        self.details.clear()
        self._update_paging()
        self.records_shown.emit(len(records))

    def _on_read_failed(self, error: Exception) -> None:
        self.banner.show_message(f"The audit log could not be read: {error}", BannerLevel.WARNING)

    def _on_verified(self, result: AuditVerification) -> None:
        self.verify_button.setEnabled(True)
        if result.ok:
            self.verify_label.setStyleSheet(_OK_STYLE)
            self.verify_label.setText(
                f"✓ Chain OK: {result.checked:,} record(s) verified; none edited, deleted or "
                "added outside opsdesk."
            )
        else:
            self.verify_label.setStyleSheet(_BAD_STYLE)
            self.verify_label.setText(
                f"✗ Chain broken at record #{result.first_bad_id}: {result.problem} "
                f"({result.checked:,} record(s) before it verified)."
            )
            if result.first_bad_id is not None:
                self._select_record(result.first_bad_id)
        self.verified.emit(result)

    def _on_verify_failed(self, error: Exception) -> None:
        self.verify_button.setEnabled(True)
        self.verify_label.setStyleSheet(_BAD_STYLE)
        self.verify_label.setText(f"Could not verify: {error}")

    def _on_exported(self, path: Path) -> None:
        self.banner.show_message(
            f"Exported {self.model.rowCount():,} record(s) to {path}", BannerLevel.INFO
        )
        self.exported.emit(path)
        self.refresh()  # the export is a record too

    def _on_export_failed(self, error: Exception) -> None:
        self.banner.show_message(
            f"Export failed, no file was written: {error}", BannerLevel.WARNING
        )

    def _on_filter_changed(self, *_: object) -> None:
        self._offset = 0
        self.refresh()

    def _on_newer_clicked(self) -> None:
        self._offset = max(0, self._offset - self._page_size)
        self.refresh()

    def _on_older_clicked(self) -> None:
        self._offset += self._page_size
        self.refresh()

    def _on_current_row_changed(self, *_: object) -> None:
        record = self.model.record(self.table.currentIndex().row())
        if record is None:
            self.details.clear()
        else:
            self.details.setPlainText(record_text(record))

    def _on_export_clicked(self) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        chooser = QFileDialog(self, "Export Audit Records", str(Path.home() / f"audit-{stamp}.csv"))
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setNameFilters(["CSV (*.csv)", "All files (*)"])
        chooser.setDefaultSuffix("csv")
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(lambda path: self.export_csv(Path(path)))
        chooser.open()


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
