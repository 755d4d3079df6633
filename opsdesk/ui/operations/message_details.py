"""A browsed message in full: routing, x-death, the recorded copy, headers, properties, body."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from opsdesk.events.model import PaymentEvent
from opsdesk.operations.browse import BrowsedMessage
from opsdesk.ui.event_details import render_summary
from opsdesk.ui.operations.browse_table_model import size_text
from opsdesk.ui.operations.plan_view import text_view

_PRETTY_PRINT_LIMIT = 256 * 1024
_LABEL_WIDTH = len("redelivered")


def _block(title: str, text: str) -> str:
    return f"── {title} " + "─" * max(4, 40 - len(title)) + "\n" + text


def _fields(pairs: list[tuple[str, Any]]) -> str:
    return "\n".join(
        f"{name:<{_LABEL_WIDTH}}  {value if value not in (None, '') else '—'}"
        for name, value in pairs
    )


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _pretty_body(text: str) -> str:
    if not text.strip():
        return "(empty)"
    if len(text) > _PRETTY_PRINT_LIMIT:
        return text
    try:
        return _pretty(json.loads(text))
    except ValueError:
        return text


def render_message_summary(message: BrowsedMessage, recorded: PaymentEvent | None) -> str:
    sections = [
        _block(
            "Message",
            _fields(
                [
                    ("position", message.position),
                    ("message id", message.message_id),
                    ("select key", message.key),
                    ("exchange", message.exchange or "(default exchange)"),
                    ("routing key", message.routing_key),
                    ("redelivered", "yes" if message.redelivered else "no"),
                    ("size", size_text(message.size)),
                ]
            ),
        )
    ]
    if message.deaths:
        lines = []
        for death in message.deaths:
            keys = ", ".join(death.routing_keys) or "—"
            lines.append(
                f"{death.count}x {death.reason} in {death.queue} "
                f"(from exchange {death.exchange or '(default)'}, routing keys {keys}"
                f"{', at ' + death.time if death.time else ''})"
            )
        sections.append(_block("x-death (newest first)", "\n".join(lines)))
    if recorded is not None:
        sections.append(
            _block(
                "Recorded by the desk",
                f"received {recorded.received_at}; decoded as below\n" + render_summary(recorded),
            )
        )
    return "\n".join(sections) + "\n"


def render_message_payload(message: BrowsedMessage) -> str:
    cut = " (first part only)" if message.body_truncated else ""
    sections = [
        _block(
            f"Body ({size_text(message.size)}, card numbers masked){cut}",
            _pretty_body(message.body_text),
        ),
        _block("Headers", _pretty(message.headers) if message.headers else "(none)"),
        _block("Properties", _pretty(message.properties) if message.properties else "(none)"),
    ]
    return "\n\n".join(sections) + "\n"


class MessageDetailsPane(QWidget):
    """Summary beside payload; a note when the history already holds the message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history_note = QLabel()
        self.history_note.setObjectName("historyNote")
        self.history_note.setWordWrap(True)
        self.history_note.setTextFormat(Qt.TextFormat.PlainText)
        self.history_note.setStyleSheet(
            "QLabel#historyNote { background: #e3eafa; color: #27457a;"
            " border: 1px solid #a9bbe0; border-radius: 3px; padding: 4px; }"
        )
        self.history_note.hide()
        self.summary = text_view("Select a message to see its routing, x-death, headers and body.")
        self.payload = text_view("")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.summary)
        self.splitter.addWidget(self.payload)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.history_note)
        layout.addWidget(self.splitter, 1)

    def show_message(self, message: BrowsedMessage | None, recorded: PaymentEvent | None) -> None:
        if message is None:
            self.history_note.hide()
            self.summary.clear()
            self.payload.clear()
            return
        if recorded is not None:
            self.history_note.setText(
                f"The desk's history already holds this message (recorded {recorded.received_at},"
                f" status {recorded.status.value}): its decoded payment is shown from that copy."
            )
            self.history_note.show()
        else:
            self.history_note.hide()
        self.summary.setPlainText(render_message_summary(message, recorded))
        self.payload.setPlainText(render_message_payload(message))

    def text(self) -> str:
        return f"{self.summary.toPlainText()}\n{self.payload.toPlainText()}"
