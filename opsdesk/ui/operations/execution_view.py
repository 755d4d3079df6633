"""Running a confirmed plan: rate limit, progress, cancel, then the outcome of every message."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QLabel,
    QProgressBar,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsdesk.config import Profile
from opsdesk.operations.plan import OperationResult, OutcomeStatus, Plan, Progress
from opsdesk.ui.operations import plan_text
from opsdesk.ui.operations.operation_task import OperationTask
from opsdesk.ui.operations.table_style import fit_columns, read_only_table

log = logging.getLogger(__name__)

STOP_WAIT_S = 30.0  # a cancelled sweep settles its in-flight confirms before it returns
MAX_OUTCOMES_SHOWN = 5000

COL_MESSAGE = 0
COL_STATUS = 1
COL_DESTINATION = 2
COL_DETAIL = 3
_HEADERS = ("Message", "Status", "Destination", "Detail")
_NOT_DONE = QColor("#8f1d1d")


class ExecutionView(QWidget):
    """Starts an OperationTask and shows how it goes; `finished` carries the OperationResult.

    Hidden until it starts; `rate_limit` is not in its layout: the owner puts it near Run.
    """

    finished = Signal(object)  # OperationResult
    failed = Signal(str)  # why the operation did not run

    def __init__(self, profile: Profile, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._profile = profile
        self._db_path = db_path
        self._task: OperationTask | None = None
        self.result: OperationResult | None = None
        self.rate_limit = QDoubleSpinBox()
        self.rate_limit.setAccessibleName("Rate limit")
        self.rate_limit.setRange(0, 100_000)
        self.rate_limit.setDecimals(0)
        self.rate_limit.setSuffix(" msg/s")
        self.rate_limit.setSpecialValueText("no limit")
        self.rate_limit.setToolTip("At most this many messages per second; 0: as fast as confirms")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status = QLabel()
        self.status.setObjectName("executionStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcomes = read_only_table(_HEADERS)
        self.outcomes.setObjectName("outcomes")
        self.outcomes.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.outcomes, 1)
        self.hide()

    @property
    def running(self) -> bool:
        return self._task is not None and self._task.running

    def start(self, plan: Plan) -> None:
        rate = self.rate_limit.value() or None
        task = OperationTask(self._profile, self._db_path, plan, rate_limit=rate, parent=self)
        task.progressed.connect(self._on_progressed)
        task.finished.connect(self._on_finished)
        task.failed.connect(self._on_failed)
        self._task = task
        self.result = None
        self.rate_limit.setEnabled(False)
        self.outcomes.setRowCount(0)
        self.outcomes.hide()
        self.progress.setRange(0, max(plan.count, 1))
        self.progress.setValue(0)
        self.progress.setFormat(f"0 of {plan.count:,}")
        self.progress.show()
        self.status.setText(f"{plan_text.verb(plan)}: running…")
        self.show()
        task.start()

    def cancel(self) -> None:
        if self._task is not None and self._task.running:
            self._task.cancel()
            self.status.setText("Cancelling: finishing the messages in flight, returning the rest…")

    def stop(self) -> None:
        """Cancel and wait for the thread (the window is closing)."""
        if self._task is not None and self._task.running:
            self._task.cancel()
            self._task.wait(STOP_WAIT_S)

    def _on_progressed(self, progress: Progress) -> None:
        total = max(progress.total, 1)
        self.progress.setRange(0, total)
        self.progress.setValue(min(progress.done + progress.failed, total))
        self.progress.setFormat(
            f"{progress.done:,} done · {progress.failed:,} not done · "
            f"{progress.examined:,} examined of {progress.total:,}"
        )

    def _on_finished(self, result: OperationResult) -> None:
        self.result = result
        self.rate_limit.setEnabled(True)
        total = max(result.plan.count, 1)
        self.progress.setRange(0, total)
        self.progress.setValue(min(result.done + result.failed, total))
        self.progress.setFormat(f"{result.done:,} done · {result.failed:,} not done")
        self.status.setText(plan_text.result_summary(result))
        shown = result.outcomes[:MAX_OUTCOMES_SHOWN]
        self.outcomes.setRowCount(len(shown))
        for row, outcome in enumerate(shown):
            for column, text in enumerate(plan_text.outcome_row(outcome)):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                if outcome.status is not OutcomeStatus.DONE:
                    cell.setForeground(_NOT_DONE)
                self.outcomes.setItem(row, column, cell)
        self.outcomes.setVisible(bool(shown))
        fit_columns(self.outcomes)
        self.finished.emit(result)

    def _on_failed(self, error: Exception) -> None:
        self.rate_limit.setEnabled(True)
        self.progress.hide()
        self.show()
        self.status.setText(f"Not done: {error}")
        self.failed.emit(str(error))

    def outcome_texts(self, column: int) -> list[str]:
        cells = (self.outcomes.item(r, column) for r in range(self.outcomes.rowCount()))
        return [c.text() if c is not None else "" for c in cells]
