"""Choose, preview, confirm, run, see every outcome: the one shape of every operator action.

Subclasses add their choices to `parameters_layout` and say how to plan them (`plan_job`).
The plan is built off the UI thread (it reads the broker); any change to the choices
invalidates it, so what runs is always exactly what the operator last saw and confirmed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from opsdesk.config import Profile
from opsdesk.operations.plan import OperationResult, Plan
from opsdesk.operations.service import Operations
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.operations import plan_text
from opsdesk.ui.operations.execution_view import ExecutionView
from opsdesk.ui.operations.plan_view import PlanView
from opsdesk.ui.operations.read_only_badge import ReadOnlyBadge, read_only_tip
from opsdesk.ui.operations.typed_confirmation import TypedConfirmation

log = logging.getLogger(__name__)

PlanJob = Callable[[Operations], Plan]
READER_STOP_S = 10.0
_PROBLEM_STYLE = "color: #8f1d1d;"


class OperationDialog(QDialog):
    """The shell: parameters, Preview, the plan, typed confirmation, Run with progress/cancel."""

    plan_ready = Signal(object)  # Plan now shown
    operation_finished = Signal(object)  # OperationResult (audited)

    def __init__(
        self, title: str, profile: Profile, db_path: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("operationDialog")
        self.setWindowTitle(title)
        self.profile = profile
        self._closed = False
        self._generation = 0
        self._ran = False  # the shown plan has run: preview again to run again
        self.reader: BackgroundReader[Operations] = BackgroundReader(
            lambda: Operations(profile, db_path),
            lambda _ops: None,
            name="operation-plan",
            owner=self,
        )
        self.parameters = QWidget()
        self.parameters_layout = QVBoxLayout(self.parameters)
        self.parameters_layout.setContentsMargins(0, 0, 0, 0)
        self.badge = ReadOnlyBadge(profile)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setToolTip("Show exactly what would be done; changes nothing")
        self.preview_button.clicked.connect(self.preview)
        self.status = QLabel()
        self.status.setObjectName("planStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plan_view = PlanView()
        self.confirmation = TypedConfirmation()
        self.confirmation.changed.connect(self._update_buttons)
        self.execution = ExecutionView(profile, db_path)
        self.execution.finished.connect(self._on_finished)
        self.execution.failed.connect(self._on_execution_failed)
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("runButton")
        self.run_button.setDefault(False)
        self.run_button.setAutoDefault(False)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel Operation")
        self.cancel_button.setToolTip("Stop at the next message; nothing is lost")
        self.cancel_button.clicked.connect(self.cancel_operation)
        self.cancel_button.hide()
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)

        preview_row = QHBoxLayout()
        preview_row.addWidget(self.preview_button)
        preview_row.addWidget(self.status, 1)
        preview_row.addWidget(self.badge)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.plan_view)
        splitter.addWidget(self.execution)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Rate limit:"))
        buttons.addWidget(self.execution.rate_limit)
        buttons.addStretch(1)
        for button in (self.run_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.parameters)
        layout.addLayout(preview_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.confirmation)
        layout.addLayout(buttons)
        self.resize(960, 720)
        self._update_buttons()

    # -- for subclasses ---------------------------------------------------------------------

    def plan_job(self) -> PlanJob:
        """How to plan the current choices; ValueError (shown as is) when they are incomplete."""
        raise NotImplementedError

    def invalidate(self, *_: object) -> None:
        """The choices changed: the shown plan no longer applies."""
        if self.execution.running:
            return
        self._generation += 1
        if self.plan_view.plan is not None:
            self.plan_view.show_stale("The choices changed: Preview again to see the new plan.")
        self.confirmation.set_plan(None)
        self._update_buttons()

    # -- the steps --------------------------------------------------------------------------

    @property
    def plan(self) -> Plan | None:
        return self.plan_view.plan

    @property
    def running(self) -> bool:
        return self.execution.running

    def preview(self) -> bool:
        """Build the plan in the background; False (and why) when the choices are incomplete."""
        if self.execution.running:
            return False
        try:
            job = self.plan_job()
        except ValueError as exc:
            self._show_problem(str(exc))
            return False
        self._generation += 1
        generation = self._generation
        self._ran = False
        self.plan_view.show_stale("Planning… (reading the queue; nothing is changed)")
        self.confirmation.set_plan(None)
        self.status.setStyleSheet("")
        self.status.setText("Planning…")
        self.reader.submit(
            "plan",
            job,
            lambda plan: self._on_planned(generation, plan),
            lambda error: self._on_plan_failed(generation, error),
        )
        self._update_buttons()
        return True

    def run(self) -> bool:
        """Execute the shown plan, if it may run now."""
        plan = self.plan
        if plan is None or not self.run_button.isEnabled():
            return False
        self.execution.start(plan)
        self._ran = True
        self.parameters.setEnabled(False)
        self.status.setText("")
        self._update_buttons()
        return True

    def cancel_operation(self) -> None:
        self.execution.cancel()
        self.cancel_button.setEnabled(False)

    def shutdown(self) -> None:
        """Cancel a running operation (waiting for it) and stop the planning thread; idempotent."""
        if self._closed:
            return
        self._closed = True
        self.execution.stop()
        self.reader.stop(READER_STOP_S)

    # -- closing ----------------------------------------------------------------------------

    def reject(self) -> None:
        if self.execution.running:  # Esc or Close while running: cancel, stay open to report
            self.cancel_operation()
            return
        super().reject()

    def done(self, code: int) -> None:
        self.shutdown()
        super().done(code)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.execution.running:
            self.cancel_operation()
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    # -- slots ------------------------------------------------------------------------------

    def _on_planned(self, generation: int, plan: Plan) -> None:
        if generation != self._generation:
            return  # the choices changed while it was planned
        self.plan_view.show_plan(plan)
        self.confirmation.set_plan(plan)
        if plan.audit_problem:
            self._show_problem(
                f"This cannot run: {plan.audit_problem}. An action that cannot first be "
                "recorded in the audit log is not done; make the history file usable, then "
                "Preview again."
            )
        else:
            self.status.setStyleSheet("")
            self.status.setText("Read the plan; nothing has been done yet.")
        self._update_buttons()
        self.plan_ready.emit(plan)

    def _on_plan_failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        self.plan_view.show_stale("No plan.")
        self._show_problem(f"Cannot plan this: {error}")

    def _on_finished(self, result: OperationResult) -> None:
        self.parameters.setEnabled(True)
        self._update_buttons()
        self.operation_finished.emit(result)

    def _on_execution_failed(self, text: str) -> None:
        self.parameters.setEnabled(True)
        self._show_problem(f"Not done: {text}")

    def _show_problem(self, text: str) -> None:
        self.status.setStyleSheet(_PROBLEM_STYLE)
        self.status.setText(text)
        self._update_buttons()

    def _update_buttons(self, *_: object) -> None:
        running = self.execution.running
        plan = self.plan
        self.preview_button.setEnabled(not running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)
        if plan is not None:
            self.run_button.setText(plan_text.run_label(plan))
        if self.profile.read_only:
            self.run_button.setEnabled(False)
            self.run_button.setToolTip(read_only_tip(self.profile.name))
            return
        sendable = plan is not None and (
            plan.count > 0 and (not plan.items or plan.blocked_count < len(plan.items))
        )
        auditable = plan is not None and not plan.audit_problem
        ready = (
            sendable and auditable and not running and not self._ran and self.confirmation.satisfied
        )
        self.run_button.setEnabled(bool(ready))
        if plan is None:
            self.run_button.setToolTip("Preview first")
        elif plan.audit_problem:
            self.run_button.setToolTip(f"Cannot run: {plan.audit_problem}")
        elif not sendable:
            self.run_button.setToolTip("Nothing in this plan can be done")
        elif not self.confirmation.satisfied:
            self.run_button.setToolTip(f"Type {plan.confirmation_text} below to confirm")
        else:
            self.run_button.setToolTip("Do it now, as previewed")
