"""The editor for one user mapping: a path per field, status rules, match conditions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLineEdit, QVBoxLayout, QWidget

from opsdesk.events.fieldpath import parse_path
from opsdesk.events.mapping_table import FIELD_NAMES
from opsdesk.events.topics import compile_topic

PATH_FIELDS = FIELD_NAMES[:-1]  # "status" has its own section, with the rules
_PATH_HINT = "/pointer or dotted.path[0]"
_FLAGGED = "QLineEdit { border: 1px solid #c62828; background: #fdecea; }"
_STATUS_HINTS = {
    "succeeded": "SETTLED, OK",
    "failed": "DECLINED, ERROR",
    "pending": "NEW, PROCESSING",
    "refunded": "REVERSED",
}


class MappingForm(QWidget):
    """Edits one mapping's profile table; flags a bad path or pattern on its own line."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self.name_edit = QLineEdit(self)
        self.field_edits = {name: _line(self, _PATH_HINT) for name in PATH_FIELDS}
        self.status_edit = _line(self, "payment.state")
        self.status_value_edits = {
            name: _line(self, f"comma-separated, e.g. {hint}")
            for name, hint in _STATUS_HINTS.items()
        }
        self.routing_key_edit = _line(self, "any routing key (e.g. ledger.*.payment.#)")
        self.match_field_edit = _line(self, "no condition on the body")
        self.match_equals_edit = _line(self, "any value, as long as the field exists")
        self._build_layout()
        for edit in self._all_edits():
            edit.textChanged.connect(self._on_changed)

    def load(self, table: dict[str, Any]) -> None:
        """Show a mapping's table (FieldMapping.to_dict's shape) without emitting `edited`."""
        fields, status, match = (
            table.get("fields", {}),
            table.get("status", {}),
            table.get("match", {}),
        )
        self._loading = True
        try:
            self.name_edit.setText(str(table.get("name", "")))
            for name, edit in self.field_edits.items():
                edit.setText(fields.get(name, ""))
            self.status_edit.setText(status.get("field", ""))
            for name, edit in self.status_value_edits.items():
                edit.setText(", ".join(status.get(name, ())))
            self.routing_key_edit.setText(match.get("routing_key", ""))
            self.match_field_edit.setText(match.get("field", ""))
            self.match_equals_edit.setText(match.get("equals", ""))
        finally:
            self._loading = False
        self._flag_lines()

    def table(self) -> dict[str, Any]:
        """The mapping as typed, as a profile table for FieldMapping.from_dict; blanks left out."""
        out: dict[str, Any] = {"name": self.name_edit.text().strip()}
        match = {
            key: edit.text().strip()
            for key, edit in (
                ("routing_key", self.routing_key_edit),
                ("field", self.match_field_edit),
                ("equals", self.match_equals_edit),
            )
            if edit.text().strip()
        }
        if match:
            out["match"] = match
        out["fields"] = {
            name: edit.text().strip()
            for name, edit in self.field_edits.items()
            if edit.text().strip()
        }
        status: dict[str, Any] = {}
        if self.status_edit.text().strip():
            status["field"] = self.status_edit.text().strip()
        for name, edit in self.status_value_edits.items():
            values = [value.strip() for value in edit.text().split(",") if value.strip()]
            if values:
                status[name] = values
        if status:
            out["status"] = status
        return out

    def line_problem(self, edit: QLineEdit) -> str:
        """The message a flagged line shows as its tooltip; empty when the line is fine."""
        return edit.toolTip() if edit.styleSheet() == _FLAGGED else ""

    def _on_changed(self) -> None:
        if self._loading:
            return
        self._flag_lines()
        self.edited.emit()

    def _flag_lines(self) -> None:
        """Mark each path or pattern that cannot be parsed, with the parser's reason."""
        paths = [*self.field_edits.values(), self.status_edit, self.match_field_edit]
        for edit in paths:
            _flag(edit, _problem(parse_path, edit.text()))
        _flag(self.routing_key_edit, _problem(compile_topic, self.routing_key_edit.text()))

    def _all_edits(self) -> list[QLineEdit]:
        return [
            self.name_edit,
            *self.field_edits.values(),
            self.status_edit,
            *self.status_value_edits.values(),
            self.routing_key_edit,
            self.match_field_edit,
            self.match_equals_edit,
        ]

    def _build_layout(self) -> None:
        name_form = QFormLayout()
        name_form.addRow("Name", self.name_edit)
        fields_box = QGroupBox("Fields (a JSON pointer or a dotted path each)", self)
        fields_form = QFormLayout(fields_box)
        for name, edit in self.field_edits.items():
            fields_form.addRow(name.replace("_", " "), edit)
        status_box = QGroupBox("Status", self)
        status_form = QFormLayout(status_box)
        status_form.addRow("status field", self.status_edit)
        for name, edit in self.status_value_edits.items():
            status_form.addRow(f"means {name}", edit)
        match_box = QGroupBox("Applies when (all that are given hold)", self)
        match_form = QFormLayout(match_box)
        match_form.addRow("routing key", self.routing_key_edit)
        match_form.addRow("field exists", self.match_field_edit)
        match_form.addRow("... and equals", self.match_equals_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(name_form)
        layout.addWidget(fields_box)
        layout.addWidget(status_box)
        layout.addWidget(match_box)
        layout.addStretch(1)


def _line(parent: QWidget, placeholder: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    return edit


def _problem(parse: Any, text: str) -> str:
    if not text.strip():
        return ""  # blank: the field is not mapped
    try:
        parse(text.strip())
    except ValueError as exc:
        return str(exc)
    return ""


def _flag(edit: QLineEdit, problem: str) -> None:
    edit.setStyleSheet(_FLAGGED if problem else "")
    edit.setToolTip(problem)
