"""How big the history file is, how far back it goes, and the limits that keep it in check."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from opsdesk.store.event_query import EventQuery, FileStats
from opsdesk.store.retention import PruneResult, Retention
from opsdesk.ui.event_cells import format_timestamp
from opsdesk.ui.history.background_task import BackgroundTask, Progress, Work
from opsdesk.ui.history.task_dialog import TaskDialog
from opsdesk.ui.settings import MAX_RETENTION_DAYS, UiSettings

log = logging.getLogger(__name__)

GB = 1_000_000_000
CONFIRM_MS = 5_000
_READING = "Reading the history file…"


class RetentionDialog(TaskDialog):
    """Prune and Compact run on their own thread with their own connection."""

    # Pruning stops after its current batch; a compact cannot stop and is waited for.
    STOP_WAIT_S = 30.0

    pruned = Signal(object)  # PruneResult
    compacted = Signal()

    def __init__(self, db_path: Path, settings: UiSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retentionDialog")
        self.setWindowTitle("History Retention")
        self._db_path = db_path
        self._settings = settings
        self._stoppable = False
        self.file_label = QLabel(str(db_path))
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.size_label = QLabel("…")
        self.oldest_label = QLabel("…")
        self.keep_days = QSpinBox()
        self.keep_days.setRange(0, MAX_RETENTION_DAYS)
        self.keep_days.setSpecialValueText("forever")
        self.keep_days.setSuffix(" days")
        self.keep_days.setValue(settings.retention_keep_days)
        self.keep_days.valueChanged.connect(self._on_limits_changed)
        self.max_gb = QDoubleSpinBox()
        self.max_gb.setRange(0.0, 10_000.0)
        self.max_gb.setDecimals(1)
        self.max_gb.setSingleStep(0.5)
        self.max_gb.setSpecialValueText("no limit")
        self.max_gb.setSuffix(" GB")
        self.max_gb.setValue(settings.retention_max_gb)
        self.max_gb.valueChanged.connect(self._on_limits_changed)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        self.prune_button = QPushButton("Prune Now")
        self.prune_button.setToolTip(
            "Remove events beyond the limits, oldest first, in small batches"
        )
        self.prune_button.clicked.connect(self._on_prune_clicked)
        self.compact_button = QPushButton("Compact…")
        self.compact_button.setToolTip(
            "Give freed space back to the disk. Recording pauses while it runs (seconds per GB)"
            " and it needs free disk of about twice the file's size."
        )
        self.compact_button.clicked.connect(self._on_compact_clicked)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        self._confirm_timer = QTimer(self)
        self._confirm_timer.setSingleShot(True)
        self._confirm_timer.setInterval(CONFIRM_MS)
        self._confirm_timer.timeout.connect(self._on_confirm_expired)

        form = QFormLayout()
        form.addRow("File:", self.file_label)
        form.addRow("Size on disk:", self.size_label)
        form.addRow("Oldest event:", self.oldest_label)
        form.addRow("Keep events for:", self.keep_days)
        form.addRow("Keep the file under:", self.max_gb)
        actions = QHBoxLayout()
        for button in (self.prune_button, self.compact_button, self.stop_button):
            actions.addWidget(button)
        actions.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)  # room for the file's path
        self._update_buttons()
        self.refresh()

    def refresh(self) -> None:
        """Read the file's size and oldest event again, in the background."""
        path = self._db_path

        def work(on_progress: Progress, cancel: threading.Event) -> FileStats:
            # Read-only: looking must never create or lock the file.
            with EventQuery(path) as query:
                return query.file_stats()

        self._run("history-file-status", work, _READING, self._on_status_read)

    def prune_now(self) -> None:
        days = self.keep_days.value() or None
        max_bytes = int(self.max_gb.value() * GB) or None
        if days is None and max_bytes is None:
            self.status.setText("Set a limit first: days to keep, or a size.")
            return
        path = self._db_path

        def work(on_progress: Progress, cancel: threading.Event) -> PruneResult:
            with Retention(path) as retention:
                return retention.prune(days, max_bytes, stop_event=cancel)

        self._run("history-prune", work, "Pruning…", self._on_pruned, stoppable=True)

    def compact(self) -> None:
        path = self._db_path

        def work(on_progress: Progress, cancel: threading.Event) -> None:
            with Retention(path) as retention:
                retention.compact()

        self._run(
            "history-compact",
            work,
            "Compacting; recording waits until it ends…",
            self._on_compacted,
        )

    def _run(
        self,
        name: str,
        work: Work,
        text: str,
        on_success: Callable[[Any], None],
        *,
        stoppable: bool = False,
    ) -> None:
        if self.running:
            return
        task = BackgroundTask(name, work)
        task.succeeded.connect(on_success)
        task.failed.connect(self._on_failed)
        self._task = task
        self._stoppable = stoppable
        self.status.setText(text)
        self.progress.show()
        self._update_buttons(running=True)
        task.start()

    def _end(self) -> None:
        self.progress.hide()
        self._update_buttons()

    def _update_buttons(self, running: bool = False) -> None:
        self.prune_button.setEnabled(not running)
        self.compact_button.setEnabled(not running)
        self.stop_button.setEnabled(running and self._stoppable)
        self.keep_days.setEnabled(not running)
        self.max_gb.setEnabled(not running)

    # -- slots ------------------------------------------------------------------------------

    def _on_limits_changed(self, *_: object) -> None:
        self._settings.retention_keep_days = self.keep_days.value()
        self._settings.retention_max_gb = self.max_gb.value()
        self._settings.sync()

    def _on_prune_clicked(self) -> None:
        self.prune_now()

    def _on_compact_clicked(self) -> None:
        if not self._confirm_timer.isActive():
            self._confirm_timer.start()
            self.compact_button.setText("Confirm Compact")
            self.status.setText(
                "Compacting pauses recording until it ends. Press Confirm Compact to go ahead."
            )
            return
        self._on_confirm_expired()
        self.compact()

    def _on_confirm_expired(self) -> None:
        self._confirm_timer.stop()
        self.compact_button.setText("Compact…")

    def _on_stop_clicked(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.status.setText("Stopping after the current batch…")

    def _on_status_read(self, stats: FileStats) -> None:
        self._end()
        self.size_label.setText(
            f"{_size(stats.size_bytes)} · about {stats.count_estimate:,} events"
        )
        oldest = stats.oldest_received_at
        self.oldest_label.setText(f"{format_timestamp(oldest)} UTC" if oldest else "no events yet")
        if self.status.text() == _READING:
            self.status.setText("")

    def _on_pruned(self, result: PruneResult) -> None:
        self._end()
        noun = "event" if result.deleted == 1 else "events"
        stopped = ", stopped before the end" if result.stopped else ""
        self.status.setText(
            f"Removed {result.deleted:,} {noun} ({result.deleted_by_age:,} by age,"
            f" {result.deleted_by_size:,} by size{stopped})."
        )
        self.pruned.emit(result)
        self._refresh_after()

    def _on_compacted(self, _: object) -> None:
        self._end()
        self.status.setText("Compacted.")
        self.compacted.emit()
        self._refresh_after()

    def _refresh_after(self) -> None:
        text = self.status.text()
        self.refresh()
        self.status.setText(text)

    def _on_failed(self, error: Exception) -> None:
        self._end()
        self.status.setText(f"Failed: {error}")


def _size(size: int) -> str:
    for unit, scale in (("GB", GB), ("MB", 1_000_000), ("kB", 1_000)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"
