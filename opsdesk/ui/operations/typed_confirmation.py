"""Typing the count (or the queue name, for a purge) before a large or destructive operation."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from opsdesk.operations.plan import Plan


class TypedConfirmation(QWidget):
    """Hidden unless the plan needs it; `satisfied` once the operator typed the exact text."""

    changed = Signal(bool)  # satisfied

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._expected: str | None = None
        self.prompt = QLabel()
        self.prompt.setTextFormat(Qt.TextFormat.PlainText)
        self.prompt.setWordWrap(True)
        self.edit = QLineEdit()
        self.edit.setAccessibleName("Typed confirmation")
        self.edit.setMinimumWidth(200)
        self.edit.textChanged.connect(self._on_text_changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.prompt, 1)
        layout.addWidget(self.edit)
        self.hide()

    @property
    def required(self) -> bool:
        return self._expected is not None

    @property
    def satisfied(self) -> bool:
        return self._expected is None or self.edit.text().strip() == self._expected

    def set_plan(self, plan: Plan | None) -> None:
        """Ask for `plan.confirmation_text` when the plan needs it; clear what was typed."""
        self._expected = (
            plan.confirmation_text if plan is not None and plan.needs_typed_confirmation else None
        )
        self.edit.clear()
        if self._expected is None:
            self.hide()
        else:
            what = "the queue name" if plan and plan.action.value == "purge" else "the count"
            self.prompt.setText(f"To confirm, type {what}: {self._expected}")
            self.edit.setPlaceholderText(self._expected)
            self.show()
        self.changed.emit(self.satisfied)

    def _on_text_changed(self, _: str) -> None:
        self.changed.emit(self.satisfied)
