"""A browsed message in full: routing, x-death, the recorded copy, headers, properties, body."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from opsdesk.events.model import PaymentEvent
from opsdesk.operations.browse import BrowsedMessage
from opsdesk.ui.details_pane import DetailsPane, block, field_lines, pretty_json
from opsdesk.ui.event_details import render_summary
from opsdesk.ui.operations.browse_table_model import size_text

_PRETTY_PRINT_LIMIT = 256 * 1024
_LABEL_WIDTH = len("redelivered")
_NOTE_STYLE = (
    "background: #e3eafa; color: #27457a; border: 1px solid #a9bbe0; border-radius: 3px;"
    " padding: 4px;"
)


def _fields(pairs: list[tuple[str, Any]]) -> str:
    # An empty text shows as a dash too, unlike a zero.
    shown = [(name, None if value == "" else value) for name, value in pairs]
    return field_lines(shown, _LABEL_WIDTH)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def render_message_summary(message: BrowsedMessage, recorded: PaymentEvent | None) -> str:
    sections = [
        block(
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
        sections.append(block("x-death (newest first)", "\n".join(lines)))
    if recorded is not None:
        sections.append(
            block(
                "Recorded by the desk",
                f"received {recorded.received_at}; decoded as below\n" + render_summary(recorded),
            )
        )
    return "\n".join(sections) + "\n"


def render_message_payload(message: BrowsedMessage) -> str:
    cut = " (first part only)" if message.body_truncated else ""
    sections = [
        block(
            f"Body ({size_text(message.size)}, card numbers masked){cut}",
            pretty_json(message.body_text, _PRETTY_PRINT_LIMIT),
        ),
        block("Headers", _pretty(message.headers) if message.headers else "(none)"),
        block("Properties", _pretty(message.properties) if message.properties else "(none)"),
    ]
    return "\n\n".join(sections) + "\n"


class MessageDetailsPane(DetailsPane):
    """Summary beside payload; a note when the history already holds the message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        placeholder = "Select a message to see its routing, x-death, headers and body."
        super().__init__("historyNote", _NOTE_STYLE, placeholder, parent)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)

    def show_message(self, message: BrowsedMessage | None, recorded: PaymentEvent | None) -> None:
        if message is None:
            self._clear()
            return
        note = None
        if recorded is not None:
            note = (
                f"The desk's history already holds this message (recorded {recorded.received_at},"
                f" status {recorded.status.value}): its decoded payment is shown from that copy."
            )
        summary = render_message_summary(message, recorded)
        self._show(summary, render_message_payload(message), note)
