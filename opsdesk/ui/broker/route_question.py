"""What the route tracer is asked: which question, and the exchange, routing key, headers or
queue it needs, with names completed from the reading shown."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QAction, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

MODES = WHERE, DEAD_LETTERS, INTO = (0, 1, 2)
QUESTIONS = {
    WHERE: "Where does a message published to an exchange go?",
    DEAD_LETTERS: "Where do a queue's dead letters go?",
    INTO: "Why does a queue receive nothing? (every way into it)",
}
HEADERS_HINT = 'one a line: NAME=VALUE or NAME:=JSON (n:=2, CC:=["a.b"]); Ctrl+Enter traces'


class RouteQuestion(QWidget):
    """`submitted` on Ctrl+Enter (Enter in a line reaches the dialog's default button)."""

    mode_changed = Signal(int)
    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode_box = QComboBox()
        self.mode_box.setAccessibleName("Question")
        for mode in MODES:
            self.mode_box.addItem(QUESTIONS[mode], mode)
        self.exchange_edit = QLineEdit()
        self.exchange_edit.setAccessibleName("Exchange")
        self.exchange_edit.setPlaceholderText("empty: the default exchange (routing key = queue)")
        self.key_edit = QLineEdit()
        self.key_edit.setAccessibleName("Routing key")
        self.headers_edit = QPlainTextEdit()
        self.headers_edit.setAccessibleName("Headers")
        self.headers_edit.setPlaceholderText(HEADERS_HINT)
        self.headers_edit.setTabChangesFocus(True)
        self.headers_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.headers_edit.setFixedHeight(self.headers_edit.fontMetrics().lineSpacing() * 3 + 12)
        self.queue_edit = QLineEdit()
        self.queue_edit.setAccessibleName("Queue")
        self._exchanges = QStringListModel(self)
        self._queues = QStringListModel(self)
        self.exchange_edit.setCompleter(_completer(self._exchanges, self.exchange_edit))
        self.queue_edit.setCompleter(_completer(self._queues, self.queue_edit))

        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow("&Question:", self.mode_box)
        self.form.addRow("&Exchange:", self.exchange_edit)
        self.form.addRow("Q&ueue:", self.queue_edit)
        self.form.addRow("Routing &key:", self.key_edit)
        self.form.addRow("&Headers:", self.headers_edit)
        submit = QAction("Trace", self)
        submit.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        submit.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        submit.triggered.connect(self.submitted)
        self.addAction(submit)
        self.mode_box.currentIndexChanged.connect(self._on_mode_changed)
        self._on_mode_changed()

    @property
    def mode(self) -> int:
        return int(self.mode_box.currentData())

    def exchange(self) -> str:
        return self.exchange_edit.text().strip()

    def routing_key(self) -> str:
        return self.key_edit.text()  # a routing key may be spaces: the broker takes it as is

    def headers_text(self) -> str:
        return self.headers_edit.toPlainText()

    def queue(self) -> str:
        return self.queue_edit.text().strip()

    def fill(
        self,
        *,
        mode: int,
        exchange: str | None = None,
        routing_key: str | None = None,
        queue: str | None = None,
    ) -> None:
        self.mode_box.setCurrentIndex(self.mode_box.findData(mode))
        for edit, value in (
            (self.exchange_edit, exchange),
            (self.key_edit, routing_key),
            (self.queue_edit, queue),
        ):
            if value is not None:
                edit.setText(value)

    def focus_first(self) -> None:
        """The field a person types first for the question shown."""
        edit = self.exchange_edit if self.mode == WHERE else self.queue_edit
        edit.setFocus(Qt.FocusReason.OtherFocusReason)
        edit.selectAll()

    def set_names(self, exchanges: Iterable[str], queues: Iterable[str]) -> None:
        """Complete from these (the default exchange, "", is the empty field)."""
        self._exchanges.setStringList(sorted(name for name in exchanges if name))
        self._queues.setStringList(sorted(queues))

    def _on_mode_changed(self, *_: object) -> None:
        mode = self.mode
        self.form.setRowVisible(self.exchange_edit, mode == WHERE)
        self.form.setRowVisible(self.queue_edit, mode != WHERE)
        self.form.setRowVisible(self.key_edit, mode != INTO)
        self.form.setRowVisible(self.headers_edit, mode != INTO)
        self.key_edit.setPlaceholderText(
            "the message's routing key"
            if mode == WHERE
            else "its messages' routing key, when the dead-letter exchange routes by it"
        )
        self.mode_changed.emit(mode)


def _completer(model: QStringListModel, edit: QLineEdit) -> QCompleter:
    completer = QCompleter(model, edit)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return completer
