"""The operation dialog for one small write (declare a queue, publish a test message): the same
preview, audit and read-only lock, in that write's own words instead of a message count."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from opsdesk.config import Profile
from opsdesk.operations.plan import OperationResult, Plan
from opsdesk.ui.operations.operation_dialog import OperationDialog


class SingleWriteDialog(OperationDialog):
    """Subclasses say the plan (`summary_text`), the Run button and the result in words."""

    def __init__(
        self, title: str, profile: Profile, db_path: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(title, profile, db_path, parent)
        # One write: no rate to limit, no list of messages to page through.
        self.execution.rate_limit.hide()
        for label in self.findChildren(QLabel):
            if label.text() == "Rate limit:":
                label.hide()
        self.plan_ready.connect(self._on_single_plan_ready)
        self.operation_finished.connect(self._on_single_write_finished)
        self.resize(760, 620)

    # -- for subclasses ---------------------------------------------------------------------

    def summary_text(self, plan: Plan) -> str:
        raise NotImplementedError

    def run_text(self, plan: Plan) -> str:
        raise NotImplementedError

    def result_text(self, result: OperationResult) -> str:
        raise NotImplementedError

    # -- overrides --------------------------------------------------------------------------

    def _update_buttons(self, *_: object) -> None:
        super()._update_buttons()
        plan = self.plan
        if plan is not None:
            self.run_button.setText(self.run_text(plan))

    def _on_single_plan_ready(self, plan: Plan) -> None:
        self.plan_view.summary.setText(self.summary_text(plan))

    def _on_single_write_finished(self, result: OperationResult) -> None:
        self.execution.status.setText(self.result_text(result))


def audit_line(result: OperationResult) -> str:
    if result.audit_id is None:
        return "⚠ no audit record was written"
    return f"audit record #{result.audit_id}"


def open_non_modal(dialog: OperationDialog) -> None:
    """Shown beside its parent, deleted when closed."""
    dialog.setWindowFlag(Qt.WindowType.Dialog)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()


class OpenDialogs:
    """Dialogs one owner opened: each shut down (a running write cancelled and waited for, so
    its outcome is audited) when the owner stops."""

    def __init__(self) -> None:
        self._open: list[OperationDialog] = []

    @property
    def dialogs(self) -> list[OperationDialog]:
        return list(self._open)

    def add(self, dialog: OperationDialog) -> None:
        self._open.append(dialog)
        dialog.destroyed.connect(lambda *_: self._forget(dialog))

    def shutdown(self) -> None:
        for dialog in list(self._open):
            dialog.shutdown()
            dialog.close()
        self._open.clear()

    def _forget(self, dialog: OperationDialog) -> None:
        if dialog in self._open:
            self._open.remove(dialog)
