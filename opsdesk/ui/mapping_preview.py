"""A sample message and how the mapping being edited decodes it, refreshed as the user types."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFontDatabase
from PySide6.QtWidgets import (
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsdesk.events.decode import preview
from opsdesk.events.mapping import FieldMapping
from opsdesk.events.mapping_table import FIELD_NAMES
from opsdesk.events.model import PaymentEvent, RawMessage
from opsdesk.ui.money_text import format_amount

DEBOUNCE_MS = 250
NOT_FOUND = "— (None)"
# The decoded fields, the status beside the type; FieldMapping holds each one's path.
_FIRST_ROWS = ("event_id", "type", "status")
ROWS = (*_FIRST_ROWS, *(name for name in FIELD_NAMES if name not in _FIRST_ROWS))
_MISSING_COLOUR = QColor("#8f1d1d")


class MappingPreview(QWidget):
    """Sample body and routing key above, the decoded fields and decode notes below."""

    updated = Signal()  # after each preview, for tests and for anyone showing its timing

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mapping: FieldMapping | None = None
        self._problem: str | None = None
        self.last_event: PaymentEvent | None = None
        self.last_seconds = 0.0  # how long the last decode took, on the UI thread
        self.sample_edit = QPlainTextEdit(self)
        self.sample_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.sample_edit.setPlaceholderText("Paste a sample message body (JSON) here.")
        self.routing_key_edit = QLineEdit(self)
        self.routing_key_edit.setPlaceholderText("the routing key the sample arrives with")
        self.notes_label = QLabel(self)
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes_label.setStyleSheet("color: #8f1d1d;")
        self.table = QTableWidget(len(ROWS), 3, self)
        self.table.setHorizontalHeaderLabels(["Field", "Path", "Decoded"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self.sample_edit.textChanged.connect(self._timer.start)
        self.routing_key_edit.textChanged.connect(self._timer.start)
        self._build_layout()

    def set_mapping(self, mapping: FieldMapping | None, problem: str | None = None) -> None:
        """Preview `mapping` soon; None with `problem` when the form does not make a mapping."""
        self._mapping, self._problem = mapping, problem
        self._timer.start()

    def set_sample(self, body: str, routing_key: str = "") -> None:
        self.sample_edit.setPlainText(body)
        self.routing_key_edit.setText(routing_key)

    def decoded_text(self, field: str) -> str:
        """What the table shows for one field (a name from ROWS)."""
        row = ROWS.index(field)
        item = self.table.item(row, 2)
        return item.text() if item is not None else ""

    def refresh(self) -> None:
        """Decode the sample now (the timer calls this once typing pauses)."""
        self._timer.stop()
        mapping, body = self._mapping, self.sample_edit.toPlainText()
        if mapping is None or not body.strip():
            self.last_event = None
            why = self._problem or "Paste a sample message to see how it decodes."
            self.notes_label.setText(why if mapping is None else "No sample message yet.")
            self._fill(None)
            self.updated.emit()
            return
        raw = RawMessage(
            body=body.encode("utf-8", "surrogatepass"),
            routing_key=self.routing_key_edit.text().strip(),
            properties={"content_type": "application/json"},
        )
        started = time.perf_counter()
        event = preview(mapping, raw)
        self.last_seconds = time.perf_counter() - started
        self.last_event = event
        notes = event.decode_error.split("; ") if event.decode_error else []
        self.notes_label.setText("\n".join(notes) or "The mapping applies and finds every field.")
        self._fill(event)
        self.updated.emit()

    def _fill(self, event: PaymentEvent | None) -> None:
        mapping = self._mapping
        for row, name in enumerate(ROWS):
            path = getattr(mapping, name) if mapping is not None else None
            self.table.setItem(row, 0, QTableWidgetItem(name.replace("_", " ")))
            self.table.setItem(row, 1, QTableWidgetItem(path or ""))
            value = None if event is None else _shown(event, name)
            item = QTableWidgetItem(NOT_FOUND if value is None else value)
            if value is None and event is not None:
                item.setForeground(QBrush(_MISSING_COLOUR))
            self.table.setItem(row, 2, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow("Routing key", self.routing_key_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Sample message body", self))
        layout.addWidget(self.sample_edit, 2)
        layout.addLayout(form)
        layout.addWidget(QLabel("Decoded with this mapping", self))
        layout.addWidget(self.table, 3)
        layout.addWidget(self.notes_label)


def _shown(event: PaymentEvent, name: str) -> str | None:
    """One decoded field as text; None when the mapping did not produce it."""
    if name == "status":
        return event.status.value  # never None: "unknown" says the rules did not decide
    if name == "amount_minor" and event.amount_minor is not None:
        amount = format_amount(event.amount_minor, event.currency)
        return f"{event.amount_minor}  ({amount})" if amount else str(event.amount_minor)
    value = getattr(event, name)
    return None if value is None else str(value)
