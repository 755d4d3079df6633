"""Asks for a custom window: a start and an end, in UTC like every time on screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

_FORMAT = "yyyy-MM-dd HH:mm"
MAX_SPAN = timedelta(days=90)


class CustomWindowDialog(QDialog):
    """Start and end (UTC); OK stays disabled until the range makes sense."""

    def __init__(self, start: datetime, end: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Custom window")
        self.start_edit = _editor(start, self)
        self.end_edit = _editor(end, self)
        self._problem = QLabel(" ", self)
        self._problem.setStyleSheet("color: #8f1d1d;")
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("From (UTC)", self.start_edit)
        form.addRow("To (UTC)", self.end_edit)
        form.addRow(self._problem)
        form.addRow(self._buttons)
        self.start_edit.dateTimeChanged.connect(self._validate)
        self.end_edit.dateTimeChanged.connect(self._validate)
        self._validate()

    def range(self) -> tuple[datetime, datetime]:
        return _to_datetime(self.start_edit.dateTime()), _to_datetime(self.end_edit.dateTime())

    def _validate(self) -> None:
        start, end = self.range()
        problem = ""
        if end <= start:
            problem = "The end must come after the start."
        elif end - start > MAX_SPAN:
            problem = f"At most {MAX_SPAN.days} days at a time."
        self._problem.setText(problem or " ")
        ok = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problem)


def _editor(moment: datetime, parent: QWidget) -> QDateTimeEdit:
    editor = QDateTimeEdit(parent)
    editor.setTimeZone(QTimeZone.utc())
    editor.setDisplayFormat(_FORMAT)
    editor.setCalendarPopup(True)
    editor.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc()))
    return editor


def _to_datetime(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)
