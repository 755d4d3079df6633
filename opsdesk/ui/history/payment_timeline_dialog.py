"""One payment's lifecycle: its attempts and their outcomes, its events in order, the gaps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsdesk.events.model import PaymentEvent
from opsdesk.ui.event_cells import STATUS_COLOURS, format_timestamp, status_text, type_text
from opsdesk.ui.event_details import EventDetailsPane
from opsdesk.ui.history.timeline_attempts import Attempt, attempts, outcome_text
from opsdesk.ui.history.timeline_steps import (
    TimelineStep,
    format_gap,
    outcome,
    timeline_steps,
    total_duration,
)
from opsdesk.ui.money_text import format_amount

STEP_COLUMNS = ("#", "Time (UTC)", "Since previous", "Type", "Status", "Error", "Routing key")
_COL_TIME, _COL_GAP, _COL_STATUS = 1, 2, 4
ATTEMPT_COLUMNS = ("Attempt", "Sent (UTC)", "Request", "By", "Outcome", "After")
COL_ATTEMPT_REQUEST, COL_ATTEMPT_BY, COL_ATTEMPT_OUTCOME = 2, 3, 4
# Long ids and reasons are cut (whole in their tooltips) so the outcome stays in view.
WIDEST_ATTEMPT_TEXT = 300


class PaymentTimelineDialog(QDialog):
    """Non-modal, so the operator can keep several payments open beside the history."""

    export_requested = Signal(str)  # payment id
    replay_requested = Signal(str)  # payment id

    def __init__(self, payment_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentTimelineDialog")
        self.setWindowTitle(f"Payment {payment_id}")
        self._payment_id = payment_id
        self._steps: list[TimelineStep] = []
        self._attempts: list[Attempt] = []
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.outcome_label = QLabel()
        self.outcome_label.setObjectName("timelineOutcome")
        self.summary = QLabel("Loading…")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.steps_table = _table(STEP_COLUMNS)
        self.steps_table.currentCellChanged.connect(self._on_current_cell_changed)
        self.attempts_table = _table(ATTEMPT_COLUMNS)
        self.attempts_table.setObjectName("timelineAttempts")
        self.attempts_table.setToolTip("The original request and each replay, with its outcome")
        self.attempts_table.hide()  # shown once the payment has been replayed
        header = self.attempts_table.horizontalHeader()
        for column in (COL_ATTEMPT_REQUEST, COL_ATTEMPT_BY):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self.details = EventDetailsPane()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.steps_table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([170, 430])  # a few steps above, the raw message gets the room
        self.details.splitter.setSizes([440, 520])
        self.splitter = splitter

        export = QPushButton("Export Timeline…")
        export.clicked.connect(self._on_export_clicked)
        copy = QPushButton("Copy Payment Id")
        copy.clicked.connect(self._on_copy_clicked)
        self.replay_button = QPushButton("Replay Payment…")
        self.replay_button.setObjectName("replayPaymentButton")
        self.replay_button.setToolTip("Retry this payment: re-send its request (preview first)")
        self.replay_button.clicked.connect(self._on_replay_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.replay_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(export, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        self.export_button = export

        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.outcome_label)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.attempts_table)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.title.setText(payment_id)
        self.resize(980, 640)

    @property
    def payment_id(self) -> str:
        return self._payment_id

    @property
    def steps(self) -> list[TimelineStep]:
        return list(self._steps)

    @property
    def attempts(self) -> list[Attempt]:
        return list(self._attempts)

    def show_timeline(self, rows: Sequence[tuple[int, PaymentEvent]]) -> None:
        """Fill in the payment's events, in the store's timeline order.

        Read again when the payment gets an event: the selection stays where the operator
        put it, unless it was on the last step, which it follows."""
        previous = self.steps_table.currentRow()
        follow_last = previous < 0 or previous >= self.steps_table.rowCount() - 1
        self._steps = timeline_steps(rows)
        self.export_button.setEnabled(bool(self._steps))
        result = outcome(self._steps)
        self.outcome_label.setText(result.text)
        foreground, background = STATUS_COLOURS.get(result.status, (None, None))
        self.outcome_label.setStyleSheet(
            ""
            if foreground is None or background is None
            else f"QLabel#timelineOutcome {{ color: {foreground.name()};"
            f" background: {background.name()}; padding: 4px 10px; border-radius: 3px;"
            " font-weight: bold; }"
        )
        self.summary.setText(_summary(self._steps))
        self._show_attempts()
        table = self.steps_table
        table.setRowCount(len(self._steps))
        for row, step in enumerate(self._steps):
            event = step.event
            kind = type_text(event.type or "(no type)", None, step.replay_of, event.replay_attempt)
            texts = (
                str(row + 1),
                _step_time(step),
                format_gap(step.since_previous),
                kind,
                status_text(event.status),
                event.error_code or "",
                event.routing_key,
            )
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if column == _COL_TIME:
                    item.setToolTip(f"occurred {event.occurred_at}\nreceived {event.received_at}")
                if column == _COL_GAP:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == _COL_STATUS and event.status in STATUS_COLOURS:
                    fg, bg = STATUS_COLOURS[event.status]
                    item.setForeground(QBrush(fg))
                    item.setBackground(QBrush(bg))
                table.setItem(row, column, item)
        if self._steps:  # the outcome is what one looks at first
            table.selectRow(len(self._steps) - 1 if follow_last else previous)
        else:
            self.details.show_event(None)

    def show_error(self, text: str) -> None:
        self.summary.setText(f"Could not read this payment's events: {text}")
        self.export_button.setEnabled(False)

    def _on_current_cell_changed(self, row: int, *_: int) -> None:
        self.details.show_event(self._steps[row].event if 0 <= row < len(self._steps) else None)

    def _show_attempts(self) -> None:
        found = attempts(self._steps)
        self._attempts = found if len(found) > 1 else []
        table = self.attempts_table
        table.setRowCount(len(self._attempts))
        for row, attempt in enumerate(self._attempts):
            for column, text in enumerate(_attempt_texts(attempt)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                status = attempt.outcome.event.status if attempt.outcome else None
                if column == COL_ATTEMPT_OUTCOME and status in STATUS_COLOURS:
                    fg, bg = STATUS_COLOURS[status]
                    item.setForeground(QBrush(fg))
                    item.setBackground(QBrush(bg))
                table.setItem(row, column, item)
        table.setVisible(bool(self._attempts))
        for column in (COL_ATTEMPT_REQUEST, COL_ATTEMPT_BY):
            table.resizeColumnToContents(column)
            table.setColumnWidth(column, min(table.columnWidth(column), WIDEST_ATTEMPT_TEXT))
        # Every attempt in view without a scroll bar: a payment is rarely replayed often. A
        # horizontal scroll bar, when the dialog is narrow, takes its own room, not a row's.
        height = table.horizontalHeader().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(r) for r in range(min(table.rowCount(), 6)))
        height += table.horizontalScrollBar().sizeHint().height()
        table.setFixedHeight(height)

    def _on_replay_clicked(self) -> None:
        self.replay_requested.emit(self._payment_id)

    def _on_export_clicked(self) -> None:
        self.export_requested.emit(self._payment_id)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self._payment_id)


def _table(columns: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _attempt_texts(attempt: Attempt) -> tuple[str, ...]:
    request = attempt.request.event if attempt.request else None
    sent = _step_time(attempt.request) if attempt.request else ""
    what = f"{request.type or '(no type)'} · {request.event_id}" if request else "(not stored)"
    by = attempt.by or ""
    if attempt.reason:
        by = f"{by}: {attempt.reason}" if by else attempt.reason
    after = ""
    if attempt.outcome is not None and attempt.request is not None:
        gap = _moment_gap(attempt.request.event.received_at, attempt.outcome.event.received_at)
        after = format_gap(gap).lstrip("+")
    return attempt.label, sent, what, by, outcome_text(attempt), after


def _step_time(step: TimelineStep) -> str:
    """When the step happened; a replay copy's own body holds its original's time."""
    if step.replay_of and step.at is not None:
        return format_timestamp(step.at.isoformat())
    return format_timestamp(step.event.occurred_at or step.event.received_at)


def _moment_gap(start: str, end: str) -> timedelta | None:
    try:
        return datetime.fromisoformat(end) - datetime.fromisoformat(start)
    except ValueError:
        return None


def _summary(steps: list[TimelineStep]) -> str:
    if not steps:
        return "No stored events carry this payment id (it may be older than the history kept)."
    first = steps[0].event
    merchant = next((s.event.merchant for s in steps if s.event.merchant), None)
    amount = next(
        (
            format_amount(s.event.amount_minor, s.event.currency)
            for s in steps
            if s.event.amount_minor is not None
        ),
        "",
    )
    parts = [f"{len(steps)} event{'s' if len(steps) != 1 else ''}"]
    duration = total_duration(steps)
    if duration is not None:
        parts.append(f"over {format_gap(duration).lstrip('+')}")
    if merchant:
        parts.append(f"merchant {merchant}")
    if amount:
        parts.append(amount)
    parts.append(f"first seen {format_timestamp(first.received_at)} UTC")
    replays = sum(1 for s in steps if s.replay_of)
    if replays:
        parts.append(f"{replays} replay{'s' if replays != 1 else ''}")
    return " · ".join(parts)
