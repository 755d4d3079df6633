"""The selected event in full: routing, identity, properties, headers and body as text."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from opsdesk.events.model import PaymentEvent
from opsdesk.ui.money_text import format_amount

# Re-indenting a very large body would stall the UI thread; such bodies are shown as stored.
_PRETTY_PRINT_LIMIT = 512 * 1024
_LABEL_WIDTH = len("idempotency key")  # the longest label: one column for every section
_NOTHING_SELECTED = "Select an event to see its routing, headers and body."


class EventDetailsPane(QWidget):
    """Summary beside payload; read-only, monospace, selectable; decode errors in a banner."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._event: PaymentEvent | None = None
        self._decode_banner = QLabel(self)
        self._decode_banner.setObjectName("decodeErrorBanner")
        self._decode_banner.setWordWrap(True)
        self._decode_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._decode_banner.setStyleSheet(
            "QLabel#decodeErrorBanner { background: #fbe0df; color: #8f1d1d;"
            " border: 1px solid #d9a3a1; border-radius: 3px; padding: 6px; font-weight: bold; }"
        )
        self._decode_banner.hide()
        self._summary = _text_view(_NOTHING_SELECTED)
        self._payload = _text_view("")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("detailsSplitter")
        self.splitter.addWidget(self._summary)
        self.splitter.addWidget(self._payload)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.setFocusProxy(self._summary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._decode_banner)
        layout.addWidget(self.splitter, 1)

    @property
    def shown_event(self) -> PaymentEvent | None:
        return self._event

    def text(self) -> str:
        """Everything the pane shows, as one text (e.g. for the clipboard)."""
        summary, payload = self._summary.toPlainText(), self._payload.toPlainText()
        return f"{summary}\n{payload}" if payload else summary

    def decode_error_text(self) -> str:
        """The banner's text; empty when the shown event decoded (or none is shown)."""
        return "" if self._decode_banner.isHidden() else self._decode_banner.text()

    def note(self) -> str:
        """What the empty pane says (why nothing is shown); empty while an event is shown."""
        return "" if self._event is not None else self._summary.placeholderText()

    def show_event(self, event: PaymentEvent | None, *, note: str = _NOTHING_SELECTED) -> None:
        """Show `event`; for None, an empty pane that says `note`."""
        self._event = event
        if event is None:
            self._decode_banner.hide()
            self._summary.clear()
            self._payload.clear()
            self._summary.setPlaceholderText(note)
            return
        if event.decode_error:
            self._decode_banner.setText(
                f"⚠ Not decoded: {event.decode_error}. The body is shown as received."
            )
            self._decode_banner.show()
        else:
            self._decode_banner.hide()
        self._summary.setPlainText(render_summary(event))
        self._payload.setPlainText(render_payload(event))


def _text_view(placeholder: str) -> QPlainTextEdit:
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


def render_details(event: PaymentEvent) -> str:
    """The whole event as one plain-text report."""
    return f"{render_summary(event)}\n{render_payload(event)}"


def render_summary(event: PaymentEvent) -> str:
    """What happened, to which payment, and how it was routed."""
    sections = [
        _fields(
            "Event",
            [
                ("event id", event.event_id),
                ("type", event.type),
                ("status", event.status.value),
                ("received", event.received_at),
                ("occurred", event.occurred_at),
                ("format", event.format),
                ("decode error", event.decode_error),
            ],
        ),
        _fields(
            "Payment",
            [
                ("payment id", event.payment_id),
                ("merchant", event.merchant),
                ("amount", format_amount(event.amount_minor, event.currency) or None),
                ("error code", event.error_code),
                ("idempotency key", event.idempotency_key),
            ],
        ),
        _fields(
            "Routing",
            [
                ("exchange", event.exchange or "(default exchange)"),
                ("routing key", event.routing_key),
            ],
        ),
    ]
    # No blank line between sections: the whole summary fits a short pane without scrolling.
    return "\n".join(sections) + "\n"


def render_payload(event: PaymentEvent) -> str:
    """The message as sent: body first, then headers and properties."""
    sections = [
        _block(f"Body ({_size(event.body_size)})", _pretty_json(event.body)),
        _block("Headers", _pretty_json(event.headers)),
        _block("Properties", _pretty_json(event.properties)),
    ]
    return "\n\n".join(sections) + "\n"


def _fields(title: str, pairs: list[tuple[str, str | None]]) -> str:
    lines = [
        f"{name:<{_LABEL_WIDTH}}  {value if value is not None else '—'}" for name, value in pairs
    ]
    return _block(title, "\n".join(lines))


def _block(title: str, text: str) -> str:
    return f"── {title} " + "─" * max(4, 40 - len(title)) + "\n" + text


def _pretty_json(text: str) -> str:
    """Indented JSON when `text` is JSON; otherwise exactly as it came."""
    if not text.strip():
        return "(empty)"
    if len(text) > _PRETTY_PRINT_LIMIT:
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return json.dumps(value, indent=2, ensure_ascii=False)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.1f} KiB"
