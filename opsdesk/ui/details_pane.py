"""One thing in full (an event, a browsed message): a note above, its summary beside its
payload, as read-only monospace text that can be selected and copied."""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

# Re-indenting a very large body would stall the UI thread; such bodies are shown as stored.
PRETTY_PRINT_LIMIT = 512 * 1024


def text_view(placeholder: str = "") -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    view.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    view.setPlaceholderText(placeholder)
    return view


def block(title: str, text: str) -> str:
    return f"── {title} " + "─" * max(4, 40 - len(title)) + "\n" + text


def field_lines(pairs: Sequence[tuple[str, object]], width: int) -> str:
    """One `name  value` line per pair, the values in one column; None shows as a dash."""
    return "\n".join(
        f"{name:<{width}}  {value if value is not None else '—'}" for name, value in pairs
    )


def pretty_json(text: str, limit: int = PRETTY_PRINT_LIMIT) -> str:
    """Indented JSON when `text` is JSON (and not over `limit`); otherwise exactly as it came."""
    if not text.strip():
        return "(empty)"
    if len(text) > limit:
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return json.dumps(value, indent=2, ensure_ascii=False)


class DetailsPane(QWidget):
    """Summary beside payload, and a note above them shown only when there is one."""

    def __init__(
        self, note_name: str, note_style: str, placeholder: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.note_label = QLabel(self)
        self.note_label.setObjectName(note_name)
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet(f"QLabel#{note_name} {{ {note_style} }}")
        self.note_label.hide()
        self.summary = text_view(placeholder)
        self.payload = text_view("")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.summary)
        self.splitter.addWidget(self.payload)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note_label)
        layout.addWidget(self.splitter, 1)

    def text(self) -> str:
        """Everything the pane shows, as one text (e.g. for the clipboard)."""
        summary, payload = self.summary.toPlainText(), self.payload.toPlainText()
        return f"{summary}\n{payload}" if payload else summary

    def _show(self, summary: str, payload: str, note: str | None) -> None:
        self.note_label.setText(note or "")
        self.note_label.setVisible(note is not None)
        self.summary.setPlainText(summary)
        self.payload.setPlainText(payload)

    def _clear(self) -> None:
        self.note_label.hide()
        self.summary.clear()
        self.payload.clear()
