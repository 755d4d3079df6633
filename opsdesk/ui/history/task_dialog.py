"""A dialog that runs one background task at a time (an export, a prune) and stops it on close."""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QWidget

from opsdesk.ui.history.background_task import BackgroundTask


class TaskDialog(QDialog):
    STOP_WAIT_S = 10.0  # how long closing waits for the task to end

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._task: BackgroundTask | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and self._task.running

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop_task()
        super().closeEvent(event)

    def done(self, code: int) -> None:
        self._stop_task()
        super().done(code)

    def _stop_task(self) -> None:
        if self._task is not None and self._task.running:
            self._task.cancel()
            self._task.wait(self.STOP_WAIT_S)
