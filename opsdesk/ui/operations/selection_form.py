"""Which messages of a queue an action takes: the selected rows, the first N, or a filter."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from opsdesk.operations.selection import MessageFilter, Selection

MAX_FIRST_N = 10_000_000


class SelectionForm(QWidget):
    """Radio choices; `selection()` turns them into a Selection (ValueError if incomplete)."""

    changed = Signal()

    def __init__(
        self,
        selected_keys: Sequence[str] = (),
        *,
        allow_filter: bool = True,
        first_n: int = 10,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._keys = tuple(selected_keys)
        self._allow_filter = allow_filter
        self.selected_choice = QRadioButton(f"The {len(self._keys)} selected message(s)")
        self.selected_choice.setEnabled(bool(self._keys))
        self.first_choice = QRadioButton("The first")
        self.first_count = QSpinBox()
        self.first_count.setAccessibleName("First N messages")
        self.first_count.setRange(1, MAX_FIRST_N)
        self.first_count.setValue(max(1, first_n))
        self.first_count.setSuffix(" message(s) at the head of the queue")
        self.filter_choice = QRadioButton("All messages (present when it starts) matching:")
        self.filter_choice.setVisible(allow_filter)
        self.routing_key = QLineEdit()
        self.routing_key.setPlaceholderText("routing key, or a pattern with * and #")
        self.header_name = QLineEdit()
        self.header_name.setPlaceholderText("header name")
        self.header_value = QLineEdit()
        self.header_value.setPlaceholderText("header value")
        self.body_contains = QLineEdit()
        self.body_contains.setPlaceholderText("text in the body")
        self.older_than = QDoubleSpinBox()
        self.older_than.setAccessibleName("Older than minutes")
        self.older_than.setRange(0, 1_000_000)
        self.older_than.setDecimals(1)
        self.older_than.setSuffix(" min old or more")
        self.older_than.setSpecialValueText("any age")
        self._group = QButtonGroup(self)
        for button in (self.selected_choice, self.first_choice, self.filter_choice):
            self._group.addButton(button)
        (self.selected_choice if self._keys else self.first_choice).setChecked(True)

        filters = QFormLayout()
        filters.setContentsMargins(24, 0, 0, 0)
        filters.addRow("Routing key:", self.routing_key)
        header = QGridLayout()
        header.addWidget(self.header_name, 0, 0)
        header.addWidget(self.header_value, 0, 1)
        filters.addRow("Header:", header)
        filters.addRow("Body contains:", self.body_contains)
        filters.addRow("Age:", self.older_than)
        self._filters = QWidget()
        self._filters.setLayout(filters)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.selected_choice, 0, 0, 1, 2)
        layout.addWidget(self.first_choice, 1, 0)
        layout.addWidget(self.first_count, 1, 1)
        layout.addWidget(self.filter_choice, 2, 0, 1, 2)
        layout.addWidget(self._filters, 3, 0, 1, 2)
        layout.setColumnStretch(1, 1)

        self._group.buttonToggled.connect(self._on_changed)
        self.first_count.valueChanged.connect(self._on_changed)
        for edit in (self.routing_key, self.header_name, self.header_value, self.body_contains):
            edit.textChanged.connect(self._on_changed)
        self.older_than.valueChanged.connect(self._on_changed)
        self._update_enabled()

    def selection(self) -> Selection:
        if self.selected_choice.isChecked():
            if not self._keys:
                raise ValueError("No message is selected: select rows in the browser first.")
            return Selection(keys=self._keys)
        if self.first_choice.isChecked():
            return Selection(count=self.first_count.value())
        return Selection(filter=self.message_filter())

    def message_filter(self) -> MessageFilter:
        name, value = self.header_name.text().strip(), self.header_value.text()
        if bool(name) != bool(value.strip()):
            raise ValueError("A header condition needs both a name and a value.")
        older = self.older_than.value()
        return MessageFilter(
            routing_key=self.routing_key.text().strip() or None,
            header=(name, value.strip()) if name else None,
            body_contains=self.body_contains.text() or None,
            older_than_s=older * 60 if older else None,
        )

    def _on_changed(self, *_: object) -> None:
        self._update_enabled()
        self.changed.emit()

    def _update_enabled(self) -> None:
        self.first_count.setEnabled(self.first_choice.isChecked())
        # Shown only when chosen: the preview below needs the room more.
        self._filters.setVisible(self._allow_filter and self.filter_choice.isChecked())
