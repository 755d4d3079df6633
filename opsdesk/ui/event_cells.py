"""The event tables' columns and cells, one definition for the live table and history.

Both tables show a status, a decode failure and an amount the same way; history has more
columns (the live table shows the first LIVE_COLUMN_COUNT) and sorts by some of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from opsdesk.events.model import Status
from opsdesk.store.event_query import SortKey


class ShownEvent(Protocol):
    """What styles and tooltips read of a row: a PaymentEvent, or a history row."""

    @property
    def status(self) -> Status: ...
    @property
    def decode_error(self) -> str | None: ...
    @property
    def received_at(self) -> str: ...
    @property
    def occurred_at(self) -> str | None: ...
    @property
    def amount_minor(self) -> int | None: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def replay_of(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    sort_key: SortKey | None  # None: the store cannot order by it
    sample: str  # typical content, to size the column
    shown_by_default: bool = True


COL_RECEIVED = 0
COL_OCCURRED = 1
COL_TYPE = 2
COL_STATUS = 3
COL_AMOUNT = 4
COL_MERCHANT = 5
COL_PAYMENT_ID = 6
COL_ERROR = 7
COL_ROUTING_KEY = 8
COL_EXCHANGE = 9
COL_EVENT_ID = 10
COL_FORMAT = 11

COLUMNS: tuple[Column, ...] = (
    Column("Received (UTC)", SortKey.RECEIVED, "2026-01-31 12:34:56.789"),
    Column("Occurred (UTC)", SortKey.OCCURRED, "2026-01-31 12:34:56.789", False),
    Column("Type", SortKey.TYPE, "payment.authorized"),
    Column("Status", SortKey.STATUS, "✓ succeeded"),
    Column("Amount", SortKey.AMOUNT, "-123456.78 EUR"),
    Column("Merchant", SortKey.MERCHANT, "blue-bottle-coffee"),
    Column("Payment", SortKey.PAYMENT, "pay_0123456789abcdefghij"),
    Column("Error", None, "insufficient_funds"),
    Column("Routing key", None, "payment.authorized", False),  # Kafka: topic/partition@offset
    Column("Exchange", None, "payments.events", False),
    Column("Event id", None, "0f8fad5b-d9cb-469f-a165-70867728950e", False),
    Column("Format", None, "cloudevents", False),
)
LIVE_COLUMN_COUNT = COL_ROUTING_KEY + 1

# Foreground and background are always set together so the pair stays readable on light
# and dark palettes alike; selected rows use the palette's highlight colours instead.
STATUS_COLOURS: dict[Status, tuple[QColor, QColor]] = {
    Status.SUCCEEDED: (QColor("#185c27"), QColor("#dff3e3")),
    Status.FAILED: (QColor("#8f1d1d"), QColor("#fbe0df")),
    Status.PENDING: (QColor("#6b5200"), QColor("#fff3cf")),
    Status.REFUNDED: (QColor("#27457a"), QColor("#e3eafa")),
}
DECODE_ERROR_COLOURS = (QColor("#7a3e00"), QColor("#ffe6c7"))
# A mark next to the word, so status does not rest on colour alone.
STATUS_MARKS = {
    Status.SUCCEEDED: "✓",
    Status.FAILED: "✗",
    Status.PENDING: "…",
    Status.REFUNDED: "↺",
    Status.UNKNOWN: "?",
}
DECODE_MARK = "⚠"
REPLAY_MARK = "↻"
_FLAGGED = (COL_TYPE, COL_ERROR)  # where a decode failure shows
KAFKA_PREFIX = "kafka:"  # how the history names a Kafka record's topic (ingest/kafka_message.py)


def status_text(status: Status) -> str:
    return f"{STATUS_MARKS[status]} {status.value}"


def type_text(
    event_type: str,
    decode_error: str | None,
    replay_of: str | None = None,
    replay_attempt: int | None = None,
) -> str:
    # Flagged here too: the type column is always in view, the error column may not be.
    if decode_error:
        return f"{DECODE_MARK} {event_type or 'not decoded'}"
    if replay_of is not None:
        # A copy opsdesk re-sent must not pass for a new message of the payment system.
        return f"{replay_badge(replay_attempt)} · {event_type}"
    return event_type


def source_text(exchange: str, routing_key: str) -> str:
    """The routing key; for a Kafka record (exchange `kafka:TOPIC`, routing key
    `PARTITION@OFFSET`) where it is: `TOPIC/PARTITION@OFFSET`."""
    if exchange.startswith(KAFKA_PREFIX):
        return f"{exchange.removeprefix(KAFKA_PREFIX)}/{routing_key}"
    return routing_key


def replay_badge(replay_attempt: int | None) -> str:
    """`↻ replay 2` (which replay of its payment), `↻ replay` when the copy does not say."""
    return f"{REPLAY_MARK} replay" + (f" {replay_attempt}" if replay_attempt else "")


def error_text(error_code: str, decode_error: str | None) -> str:
    if decode_error:
        prefix = f"{error_code} · " if error_code else ""
        return f"{prefix}{DECODE_MARK} not decoded: {decode_error}"
    return error_code


def alignment(column: int) -> int | None:
    if column == COL_AMOUNT:
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return None


def cell_style(event: ShownEvent, column: int, role: int) -> Any:
    """What a cell answers for the alignment, font and colour roles; None for any other."""
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return alignment(column)
    if role == Qt.ItemDataRole.FontRole:
        if is_bold(event, column):
            font = QFont()
            font.setBold(True)
            return font
        return None
    if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
        pair = colours(event, column)
        if pair is not None:
            return QBrush(pair[0] if role == Qt.ItemDataRole.ForegroundRole else pair[1])
    return None


def is_bold(event: ShownEvent, column: int) -> bool:
    """A failure's status stands out in bold."""
    return column == COL_STATUS and event.status == Status.FAILED


def colours(event: ShownEvent, column: int) -> tuple[QColor, QColor] | None:
    """(foreground, background) for a cell that carries meaning in colour, else None."""
    if column == COL_STATUS:
        return STATUS_COLOURS.get(event.status)
    if column in _FLAGGED and event.decode_error:
        return DECODE_ERROR_COLOURS
    return None


def tooltip(event: ShownEvent, column: int) -> str | None:
    if column == COL_RECEIVED:
        return event.received_at or None
    if column == COL_OCCURRED:
        return event.occurred_at
    if column in _FLAGGED and event.decode_error:
        return f"The body could not be decoded: {event.decode_error}"
    if column == COL_TYPE and event.replay_of is not None:
        return f"A copy opsdesk replayed of {event.replay_of}, not a new message"
    if column == COL_AMOUNT and event.amount_minor is not None:
        return f"{event.amount_minor} minor units {event.currency or ''}".rstrip()
    return None


def format_timestamp(iso: str | None) -> str:
    """ISO-8601 as `2026-01-31 12:34:56.789` in UTC; unparseable text is shown as it came."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
