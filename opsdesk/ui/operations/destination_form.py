"""Where messages go: a queue (through the default exchange), or an exchange with a routing key."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from opsdesk.operations.plan import Destination


class DestinationForm(QWidget):
    """`destination()` is the choice, or ValueError naming what is missing."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue_choice = QRadioButton("Queue")
        self.queue_edit = QLineEdit()
        self.queue_edit.setAccessibleName("Destination queue")
        self.queue_edit.setPlaceholderText("queue name")
        self.exchange_choice = QRadioButton("Exchange")
        self.exchange_edit = QLineEdit()
        self.exchange_edit.setAccessibleName("Destination exchange")
        self.exchange_edit.setPlaceholderText("exchange name")
        self.routing_key_edit = QLineEdit()
        self.routing_key_edit.setAccessibleName("Destination routing key")
        self.routing_key_edit.setPlaceholderText("routing key")
        self._group = QButtonGroup(self)
        self._group.addButton(self.queue_choice)
        self._group.addButton(self.exchange_choice)
        self.queue_choice.setChecked(True)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.queue_choice, 0, 0)
        layout.addWidget(self.queue_edit, 0, 1, 1, 3)
        layout.addWidget(self.exchange_choice, 1, 0)
        layout.addWidget(self.exchange_edit, 1, 1)
        layout.addWidget(QLabel("routing key"), 1, 2)
        layout.addWidget(self.routing_key_edit, 1, 3)
        layout.setColumnStretch(1, 1)
        layout.setColumnStretch(3, 1)
        self._group.buttonToggled.connect(self._on_changed)
        for edit in (self.queue_edit, self.exchange_edit, self.routing_key_edit):
            edit.textChanged.connect(self._on_changed)
        self._update_enabled()

    def destination(self) -> Destination:
        if self.queue_choice.isChecked():
            queue = self.queue_edit.text().strip()
            if not queue:
                raise ValueError("Name the destination queue.")
            return Destination.queue(queue)
        exchange = self.exchange_edit.text().strip()
        if not exchange:
            raise ValueError(
                "Name the destination exchange (or choose Queue for the default exchange)."
            )
        return Destination(exchange, self.routing_key_edit.text().strip())

    def set_destination(self, destination: Destination) -> None:
        if destination.is_queue:
            self.queue_edit.setText(destination.routing_key)
            self.queue_choice.setChecked(True)
        else:
            self.exchange_edit.setText(destination.exchange)
            self.routing_key_edit.setText(destination.routing_key)
            self.exchange_choice.setChecked(True)

    def _on_changed(self, *_: object) -> None:
        self._update_enabled()
        self.changed.emit()

    def _update_enabled(self) -> None:
        by_queue = self.queue_choice.isChecked()
        self.queue_edit.setEnabled(by_queue)
        self.exchange_edit.setEnabled(not by_queue)
        self.routing_key_edit.setEnabled(not by_queue)
