"""Fill the history from the team's stream: where from, then how far it has come and how fast."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from opsdesk.ingest.backfill_log import describe
from opsdesk.ingest.backfill_progress import BackfillProgress
from opsdesk.ingest.backfill_start import BackfillStart

STEPS = 1000  # the progress bar's range


class BackfillDialog(QDialog):
    """Non-modal; `start_requested(BackfillStart)` once the operator chose a valid start."""

    start_requested = Signal(object)

    def __init__(self, stream: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backfill from the Stream")
        intro = QLabel(
            f"Read the stream {stream} again from an earlier point, behind the live events, "
            "into this desk's history. Events it already holds are not stored twice."
        )
        intro.setWordWrap(True)
        self.first_choice = QRadioButton("&Everything the stream retains")
        self.age_choice = QRadioButton("The &last")
        self.since_choice = QRadioButton("&Since")
        self.age_edit = QLineEdit("1h")
        self.age_edit.setToolTip("An age: 90m, 12h, 7d")
        self.since_edit = QDateTimeEdit(QDateTime.currentDateTime().addSecs(-3600))
        self.since_edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.since_edit.setCalendarPopup(True)
        choices = QButtonGroup(self)
        for button in (self.first_choice, self.age_choice, self.since_choice):
            choices.addButton(button)
        self.age_choice.setChecked(True)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #8f1d1d;")
        self.problem.hide()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, STEPS)
        self.progress_bar.hide()
        self.status = QLabel()
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.start_button = QPushButton("&Start Backfill")
        self.start_button.setDefault(True)
        buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        self.start_button.clicked.connect(self._on_start_clicked)
        grid = QGridLayout()
        grid.addWidget(self.first_choice, 0, 0, 1, 2)
        grid.addWidget(self.age_choice, 1, 0)
        grid.addWidget(self.age_edit, 1, 1)
        grid.addWidget(self.since_choice, 2, 0)
        grid.addWidget(self.since_edit, 2, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.problem)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def chosen_start(self, now: datetime | None = None) -> BackfillStart:
        """The start as chosen; ValueError saying what is wrong with a typed age."""
        if self.first_choice.isChecked():
            return BackfillStart(None)
        if self.age_choice.isChecked():
            return BackfillStart.parse(self.age_edit.text(), now)
        moment = self.since_edit.dateTime().toPython()
        assert isinstance(moment, datetime)
        return BackfillStart.parse(moment.isoformat(), now)

    def show_recording(self) -> None:
        """The request is being recorded in the history."""
        self.start_button.setEnabled(False)
        self.status.setText("Recording the request in the history…")

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
        self.start_button.setEnabled(True)
        self.status.clear()

    def show_progress(self, progress: BackfillProgress, rate: float | None) -> None:
        """How far the backfill has come; `rate` in messages a second, None before known."""
        self.problem.hide()
        self.progress_bar.show()
        fraction = progress.fraction()
        if fraction is None:
            self.progress_bar.setRange(0, 0)  # busy: the end is not known yet
        else:
            self.progress_bar.setRange(0, STEPS)
            self.progress_bar.setValue(round(fraction * STEPS))
        text = f"From {progress.start}: {describe(progress)}"
        if rate is not None and not progress.done:
            text += f" · {rate:,.0f} events/s"
        self.status.setText(text)
        self.start_button.setEnabled(progress.done)

    def _on_start_clicked(self) -> None:
        try:
            start = self.chosen_start()
        except ValueError as exc:
            self.show_problem(str(exc))
            return
        self.problem.hide()
        self.start_requested.emit(start)
