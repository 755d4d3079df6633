"""Unexpected exceptions (bugs): logged, then shown in a dialog on the UI thread."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from html import escape
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
# A bug hit on every repaint would otherwise grow the dialog without end.
_MAX_REPORTS = 20


class CrashDialog(QDialog):
    """The traceback, where the log is, and a button to copy both for a bug report."""

    def __init__(self, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("opsdesk hit a bug")
        self.resize(760, 480)
        where = ""
        if log_file:
            where = f"Details are in the log file:<br><code>{escape(str(log_file))}</code>"
        intro = QLabel(
            "<b>Something unexpected went wrong inside opsdesk.</b><br>"
            f"The app keeps running, but what you just did may not have completed. {where}",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._log_file = log_file
        self._reports = 0
        self._details = QPlainTextEdit(self)
        self._details.setReadOnly(True)
        self._details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy details", self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._details)
        layout.addWidget(buttons)

    def add_report(self, report: str) -> None:
        """Append a traceback; later ones go below the first, which is usually the cause."""
        self._reports += 1
        if self._reports > _MAX_REPORTS:
            self.setWindowTitle(f"opsdesk hit a bug ({self._reports} errors, first shown)")
            return
        current = self._details.toPlainText()
        separator = "\n\n── and then ──\n\n" if current else ""
        self._details.setPlainText(current + separator + report)

    def details(self) -> str:
        return self._details.toPlainText()

    def _on_copy_clicked(self) -> None:
        text = self.details()
        if self._log_file:
            text += f"\nLog file: {self._log_file}\n"
        QGuiApplication.clipboard().setText(text)


class CrashReporter(QObject):
    """Owns sys.excepthook and threading.excepthook while installed (app entry point only)."""

    # Emitted on whichever thread failed; delivered to the UI thread, queued.
    crashed = Signal(str)

    def __init__(self, log_file: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log_file = log_file
        self._dialog: CrashDialog | None = None
        self._previous_sys_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._installed = False
        # Queued even from the UI thread: the hook may run inside a Qt callback, where
        # opening a window is unsafe.
        self.crashed.connect(self._on_crashed, Qt.ConnectionType.QueuedConnection)

    @property
    def dialog(self) -> CrashDialog | None:
        return self._dialog

    def install(self) -> None:
        self._previous_sys_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self._on_sys_exception
        threading.excepthook = self._on_thread_exception
        self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            sys.excepthook = self._previous_sys_hook
            threading.excepthook = self._previous_thread_hook
            self._installed = False

    def report(self, exc_info: _ExcInfo, where: str) -> None:
        """Log the exception with its traceback and queue the dialog."""
        log.error("Unexpected error in %s", where, exc_info=exc_info)
        text = "".join(traceback.format_exception(*exc_info))
        self.crashed.emit(f"In {where}:\n{text}")

    def _on_sys_exception(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous_sys_hook(kind, value, tb)
            return
        self.report((kind, value, tb), "the UI thread")

    def _on_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self.report((args.exc_type, args.exc_value, args.exc_traceback), f"thread {name}")

    def _on_crashed(self, report: str) -> None:
        # One dialog collects a burst of errors (e.g. a bug hit on every repaint).
        if self._dialog is None:
            self._dialog = CrashDialog(self._log_file, QApplication.activeWindow())
            self._dialog.finished.connect(self._on_dialog_finished)
        self._dialog.add_report(report)
        self._dialog.show()
        self._dialog.raise_()

    def _on_dialog_finished(self, result: int) -> None:
        if self._dialog is not None:
            self._dialog.deleteLater()
            self._dialog = None
