"""The selected event in full: routing, identity, properties, headers and body as text."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from opsdesk.events.model import PaymentEvent
from opsdesk.events.replay_headers import REPLAY_REASON, REPLAYED_BY
from opsdesk.ui.details_pane import DetailsPane, block, field_lines, pretty_json
from opsdesk.ui.money_text import format_amount

_LABEL_WIDTH = len("idempotency key")  # the longest label: one column for every section
_NOTHING_SELECTED = "Select an event to see its routing, headers and body."
_BANNER_STYLE = (
    "background: #fbe0df; color: #8f1d1d; border: 1px solid #d9a3a1; border-radius: 3px;"
    " padding: 6px; font-weight: bold;"
)


class EventDetailsPane(DetailsPane):
    """Summary beside payload; read-only, monospace, selectable; decode errors in a banner."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("decodeErrorBanner", _BANNER_STYLE, _NOTHING_SELECTED, parent)
        self._event: PaymentEvent | None = None
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.splitter.setObjectName("detailsSplitter")
        self.setFocusProxy(self.summary)

    @property
    def shown_event(self) -> PaymentEvent | None:
        return self._event

    def decode_error_text(self) -> str:
        """The banner's text; empty when the shown event decoded (or none is shown)."""
        return "" if self.note_label.isHidden() else self.note_label.text()

    def note(self) -> str:
        """What the empty pane says (why nothing is shown); empty while an event is shown."""
        return "" if self._event is not None else self.summary.placeholderText()

    def show_event(self, event: PaymentEvent | None, *, note: str = _NOTHING_SELECTED) -> None:
        """Show `event`; for None, an empty pane that says `note`."""
        self._event = event
        if event is None:
            self._clear()
            self.summary.setPlaceholderText(note)
            return
        banner = None
        if event.decode_error:
            banner = f"⚠ Not decoded: {event.decode_error}. The body is shown as received."
        self._show(render_summary(event), render_payload(event), banner)


def render_details(event: PaymentEvent) -> str:
    """The whole event as one plain-text report."""
    return f"{render_summary(event)}\n{render_payload(event)}"


def render_summary(event: PaymentEvent) -> str:
    """What happened, to which payment, and how it was routed."""
    replay = [("replay", replay_text(event))] if event.replay_of is not None else []
    sections = [
        _fields(
            "Event",
            [
                *replay,
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
        block(f"Body ({_size(event.body_size)})", pretty_json(event.body)),
        block("Headers", pretty_json(event.headers)),
        block("Properties", pretty_json(event.properties)),
    ]
    return "\n\n".join(sections) + "\n"


def replay_text(event: PaymentEvent) -> str | None:
    """ "replay of evt-1, attempt 2, by alice: PSP outage" for a copy opsdesk replayed."""
    if event.replay_of is None:
        return None
    text = f"replay of {event.replay_of}"
    if event.replay_attempt is not None:
        text += f", attempt {event.replay_attempt}"
    headers = _headers(event)
    by, reason = headers.get(REPLAYED_BY), headers.get(REPLAY_REASON)
    if by:
        text += f", by {by}"
    if reason:
        text += f": {reason}"
    return text


def _headers(event: PaymentEvent) -> dict[str, object]:
    try:
        headers = json.loads(event.headers or "{}")
    except ValueError:
        return {}
    return headers if isinstance(headers, dict) else {}


def _fields(title: str, pairs: list[tuple[str, str | None]]) -> str:
    return block(title, field_lines(pairs, _LABEL_WIDTH))


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.1f} KiB"
