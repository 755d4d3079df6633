"""Export the filtered rows, the selection or a payment's timeline, in the background."""

from __future__ import annotations

import getpass
import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from opsdesk.store.event_filter import EventFilter
from opsdesk.store.export import (
    ALL_COLUMNS,
    DEFAULT_COLUMNS,
    ExportCancelled,
    ExportFormat,
    ExportRequest,
    ExportResult,
    ExportScope,
    FrozenRows,
    export_events,
)
from opsdesk.ui.history.background_task import BackgroundTask, Progress
from opsdesk.ui.history.frozen_rows_note import FrozenRowsNote, rows_text
from opsdesk.ui.history.task_dialog import TaskDialog

log = logging.getLogger(__name__)

_SUFFIXES = {ExportFormat.CSV: ".csv", ExportFormat.JSONL: ".jsonl"}


class ExportDialog(TaskDialog):
    """Choose what and where, then watch it stream; Cancel stops it and leaves no file behind."""

    export_finished = Signal(object)  # ExportResult

    def __init__(
        self,
        db_path: Path,
        *,
        event_filter: EventFilter,
        up_to_id: int | None = None,
        selection: Sequence[int] = (),
        payment_id: str | None = None,
        operator: str | None = None,
        folder: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export History")
        self._db_path = db_path
        self._filter = event_filter
        self._selection = tuple(selection)
        self._payment_id = payment_id
        self._operator = operator if operator is not None else _operator()
        self._confirm_replace: Path | None = None
        self.export_result: ExportResult | None = None

        # The list is live; the export is of the rows as they stand now, and says so.
        self.filter_choice = QRadioButton(f"All rows matching: {event_filter.describe()}")
        self.frozen_note = FrozenRowsNote(db_path, event_filter, up_to_id)
        self.frozen_note.setIndent(22)  # under the radio button's text
        self.frozen_note.counted.connect(self._on_counted)
        self.selection_choice = QRadioButton(f"The {len(self._selection):,} selected rows")
        self.selection_choice.setEnabled(bool(self._selection))
        self.payment_choice = QRadioButton(f"The timeline of payment {payment_id}")
        self.payment_choice.setVisible(payment_id is not None)
        self._scope_group = QButtonGroup(self)
        for button in (self.filter_choice, self.selection_choice, self.payment_choice):
            self._scope_group.addButton(button)
        (self.payment_choice if payment_id is not None else self.filter_choice).setChecked(True)

        self.csv_choice = QRadioButton("CSV")
        self.jsonl_choice = QRadioButton("JSON Lines")
        self.csv_choice.setChecked(True)
        self.csv_choice.toggled.connect(self._on_format_toggled)
        self.raw_check = QCheckBox("Include raw messages (headers, properties, body)")
        self.raw_check.setToolTip("Much larger and slower; card numbers stay masked")
        self.path_edit = QLineEdit(str(_default_path(folder, ExportFormat.CSV)))
        self.path_edit.setAccessibleName("Export file")
        self.path_edit.textEdited.connect(self._on_path_edited)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)

        scope = QVBoxLayout()
        scope.addWidget(self.filter_choice)
        scope.addWidget(self.frozen_note)
        for button in (self.selection_choice, self.payment_choice):
            scope.addWidget(button)
        formats = QHBoxLayout()
        formats.addWidget(self.csv_choice)
        formats.addWidget(self.jsonl_choice)
        formats.addStretch(1)
        where = QHBoxLayout()
        where.addWidget(self.path_edit, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow("Rows:", scope)
        form.addRow("Format:", formats)
        form.addRow("", self.raw_check)
        form.addRow("File:", where)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(640, 320)

    def export_format(self) -> ExportFormat:
        return ExportFormat.CSV if self.csv_choice.isChecked() else ExportFormat.JSONL

    def scope(self) -> ExportScope:
        if self.selection_choice.isChecked():
            return ExportScope.of_rows(self._selection)
        if self.payment_choice.isChecked() and self._payment_id is not None:
            return ExportScope.of_payment(self._payment_id)
        return ExportScope.of_filter(self.frozen_note.frozen_filter)

    def start_export(self) -> bool:
        """Start with the current choices; False (and the reason shown) when it cannot."""
        out = Path(self.path_edit.text().strip()).expanduser()
        if not self.path_edit.text().strip():
            return self._refuse("Choose a file to export to.")
        if not out.parent.is_dir():
            return self._refuse(f"The folder {out.parent} does not exist.")
        if out.exists() and self._confirm_replace != out:
            self._confirm_replace = out
            self.export_button.setText("Replace")
            return self._refuse(f"{out.name} already exists. Press Replace to overwrite it.")
        request = ExportRequest(
            scope=self.scope(),
            out=out,
            format=self.export_format(),
            columns=ALL_COLUMNS if self.raw_check.isChecked() else DEFAULT_COLUMNS,
            operator=self._operator,
        )
        db_path = self._db_path

        def work(on_progress: Progress, cancel: threading.Event) -> ExportResult:
            return export_events(db_path, request, on_progress=on_progress, cancel=cancel)

        task = BackgroundTask("history-export", work)
        task.progressed.connect(self._on_progressed)
        task.succeeded.connect(self._on_succeeded)
        task.failed.connect(self._on_failed)
        self._task = task
        self._set_running(True)
        self.status.setText(f"Exporting {request.scope.describe()}…")
        task.start()
        return True

    def cancel_export(self) -> None:
        if self._task is not None and self._task.running:
            self._task.cancel()
            self.status.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def _stop_task(self) -> None:
        # Closing the window cancels: an export nobody watches would finish unseen.
        super()._stop_task()
        self.frozen_note.wait(self.STOP_WAIT_S)

    def _refuse(self, text: str) -> bool:
        self.status.setText(text)
        return False

    def _set_running(self, running: bool) -> None:
        for choice in (self.filter_choice, self.selection_choice, self.payment_choice):
            choice.setEnabled(
                not running and (choice is not self.selection_choice or bool(self._selection))
            )
        for widget in (self.csv_choice, self.jsonl_choice, self.raw_check, self.path_edit):
            widget.setEnabled(not running)
        self.export_button.setEnabled(not running)
        self.cancel_button.setEnabled(True)
        self.progress.setVisible(True)
        if running:
            self.progress.setRange(0, 0)  # busy until the row count is known

    # -- slots ------------------------------------------------------------------------------

    def _on_export_clicked(self) -> None:
        self.start_export()

    def _on_cancel_clicked(self) -> None:
        if self.running:
            self.cancel_export()
        else:
            self.reject()

    def _on_counted(self, frozen: FrozenRows) -> None:
        self.filter_choice.setText(
            f"All {rows_text(frozen.rows)} matching: {self._filter.describe()}"
        )

    def _on_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done if total else 1)
        self.progress.setFormat(f"{done:,} of {total:,} rows")

    def _on_succeeded(self, result: ExportResult) -> None:
        self.export_result = result
        self._finish()
        self.status.setText(
            f"Exported {result.rows:,} rows to {result.path}\n"
            f"Manifest: {result.manifest_path}\nsha256 {result.sha256}"
        )
        self.cancel_button.setText("Close")
        self.export_finished.emit(result)

    def _on_failed(self, error: Exception) -> None:
        self._finish()
        if isinstance(error, ExportCancelled):
            self.progress.hide()
            self.status.setText("Export cancelled; no file was written.")
        else:
            self.status.setText(f"Export failed: {error}")

    def _finish(self) -> None:
        self._set_running(False)
        self._confirm_replace = None
        self.export_button.setText("Export")

    def _on_format_toggled(self, *_: Any) -> None:
        path = Path(self.path_edit.text().strip())
        if path.suffix in _SUFFIXES.values():
            self.path_edit.setText(str(path.with_suffix(_SUFFIXES[self.export_format()])))

    def _on_path_edited(self, *_: Any) -> None:
        self._confirm_replace = None
        self.export_button.setText("Export")

    def _on_browse_clicked(self) -> None:
        chooser = QFileDialog(self, "Export To", self.path_edit.text())
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setNameFilters(["CSV (*.csv)", "JSON Lines (*.jsonl)", "All files (*)"])
        chooser.setDefaultSuffix(_SUFFIXES[self.export_format()].lstrip("."))
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(self._on_file_selected)
        chooser.open()  # window-modal without a nested event loop

    def _on_file_selected(self, path: str) -> None:
        self.path_edit.setText(path)
        # The file dialog already asked before replacing an existing file.
        self._confirm_replace = Path(path)


def _default_path(folder: Path | None, fmt: ExportFormat) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return (folder or Path.home()) / f"opsdesk-export-{stamp}{_SUFFIXES[fmt]}"


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
