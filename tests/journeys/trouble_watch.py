"""What fails a journey besides its own assertions: a crash, an ERROR log, a critical message box.

The crash hooks are the app's own CrashReporter, installed as `run_gui` installs it, except
that reports are kept for the test instead of opening the crash dialog (a dialog would take
the keyboard from the window the test is driving).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from PySide6.QtWidgets import QApplication, QMessageBox

from opsdesk.ui.crash_dialog import CrashReporter

WATCHED_LOGGER = "opsdesk"


class RecordingCrashReporter(CrashReporter):
    """The app's reporter (same hooks, same log record), keeping each report for the test."""

    def __init__(self) -> None:
        self.reports: list[str] = []
        self._lock = threading.Lock()
        super().__init__(None)

    def _on_crashed(self, report: str) -> None:  # the dialog's slot; queued to this thread
        with self._lock:
            self.reports.append(report)


class _ErrorRecords(logging.Handler):
    """Every record at ERROR or above from the opsdesk loggers, from any thread."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class TroubleWatch:
    """Installed for one journey; `problems()` names whatever went wrong since the last look."""

    reporter: RecordingCrashReporter = field(default_factory=RecordingCrashReporter)
    _errors: _ErrorRecords = field(default_factory=_ErrorRecords)
    _seen_crashes: int = 0
    _seen_errors: int = 0
    _seen_boxes: set[int] = field(default_factory=set)

    def install(self) -> None:
        self.reporter.install()
        logging.getLogger(WATCHED_LOGGER).addHandler(self._errors)

    def uninstall(self) -> None:
        logging.getLogger(WATCHED_LOGGER).removeHandler(self._errors)
        self.reporter.uninstall()

    @property
    def crash_reports(self) -> list[str]:
        return list(self.reporter.reports)

    def problems(self) -> list[str]:
        """New crash reports, ERROR records and visible critical message boxes, once each."""
        found: list[str] = []
        reports = self.reporter.reports
        for report in reports[self._seen_crashes :]:
            found.append(f"crash report:\n{report}")
        self._seen_crashes = len(reports)
        records = self._errors.records
        for record in records[self._seen_errors :]:
            text = self._errors.format(record) if record.exc_info else record.getMessage()
            found.append(f"{record.levelname} from {record.name} ({record.threadName}): {text}")
        self._seen_errors = len(records)
        for box in _visible_critical_boxes():
            if id(box) not in self._seen_boxes:
                self._seen_boxes.add(id(box))
                found.append(f"critical message box {box.windowTitle()!r}: {box.text()}")
        return found


def _visible_critical_boxes() -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible() and w.icon() == QMessageBox.Icon.Critical
    ]
