"""One history row as the table shows it: the columns, their texts, colours and tooltips."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from opsdesk.events.model import Status
from opsdesk.store.event_query import SortKey

# The live table's palette and marks, so a status reads the same in both tables.
from opsdesk.ui.event_table_model import (
    DECODE_ERROR_COLOURS,
    DECODE_MARK,
    STATUS_COLOURS,
    STATUS_MARKS,
    format_timestamp,
)
from opsdesk.ui.money_text import format_amount


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
    Column("Routing key", None, "payment.authorized", False),
    Column("Exchange", None, "payments.events", False),
    Column("Event id", None, "0f8fad5b-d9cb-469f-a165-70867728950e", False),
    Column("Format", None, "cloudevents", False),
)

# What a page read asks the store for: the table's columns, never the bodies.
PAGE_COLUMNS: tuple[str, ...] = (
    "id",
    "received_at",
    "occurred_at",
    "type",
    "status",
    "amount_minor",
    "currency",
    "merchant",
    "payment_id",
    "error_code",
    "routing_key",
    "exchange",
    "event_id",
    "format",
    "decode_error",
)
_V = {name: i for i, name in enumerate(PAGE_COLUMNS)}


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A row's texts, formatted once when its page is read, not on every paint."""

    row_id: int
    status: Status
    decode_error: str | None
    received_at: str
    occurred_at: str | None
    amount_minor: int | None
    currency: str | None
    cells: tuple[str, ...]


def history_row(values: tuple[Any, ...]) -> HistoryRow:
    """Build a row from a tuple in PAGE_COLUMNS order."""

    def text(name: str) -> str:
        value = values[_V[name]]
        return "" if value is None else str(value)

    status = _status(text("status"))
    decode_error = values[_V["decode_error"]]
    amount = values[_V["amount_minor"]]
    currency = values[_V["currency"]]
    cells = [""] * len(COLUMNS)
    cells[COL_RECEIVED] = _time_text(text("received_at"))
    cells[COL_OCCURRED] = _time_text(text("occurred_at"))
    type_text = text("type")
    cells[COL_TYPE] = f"{DECODE_MARK} {type_text or 'not decoded'}" if decode_error else type_text
    cells[COL_STATUS] = f"{STATUS_MARKS[status]} {status.value}"
    cells[COL_AMOUNT] = (
        format_amount(amount, currency) if isinstance(amount, int) else text("amount_minor")
    )
    cells[COL_MERCHANT] = text("merchant")
    cells[COL_PAYMENT_ID] = text("payment_id")
    error = text("error_code")
    if decode_error:
        error = f"{error} · " if error else ""
        error += f"{DECODE_MARK} not decoded: {decode_error}"
    cells[COL_ERROR] = error
    cells[COL_ROUTING_KEY] = text("routing_key")
    cells[COL_EXCHANGE] = text("exchange") or "(default)"
    cells[COL_EVENT_ID] = text("event_id")
    cells[COL_FORMAT] = text("format")
    return HistoryRow(
        row_id=int(values[_V["id"]]),
        status=status,
        decode_error=decode_error,
        received_at=text("received_at"),
        occurred_at=values[_V["occurred_at"]],
        amount_minor=amount if isinstance(amount, int) else None,
        currency=currency,
        cells=tuple(cells),
    )


def gone_row(row_id: int) -> HistoryRow:
    """A row whose event has left the file since the ids were read (retention pruned it)."""
    cells = [""] * len(COLUMNS)
    cells[COL_TYPE] = "(removed from history)"
    return HistoryRow(row_id, Status.UNKNOWN, None, "", None, None, None, tuple(cells))


def unreadable_row(row_id: int) -> HistoryRow:
    """Shown when a page could not be read; the next refresh tries again."""
    cells = [""] * len(COLUMNS)
    cells[COL_TYPE] = "(could not read this row)"
    return HistoryRow(row_id, Status.UNKNOWN, None, "", None, None, None, tuple(cells))


def cell_data(row: HistoryRow, column: int, role: int) -> Any:
    """What the model answers for `role` (display, tooltip, font, colours) in a cell."""
    if role == Qt.ItemDataRole.DisplayRole:
        return row.cells[column]
    if role == Qt.ItemDataRole.ToolTipRole:
        return tooltip(row, column)
    if role == Qt.ItemDataRole.FontRole:
        if column == COL_STATUS and row.status == Status.FAILED:
            font = QFont()
            font.setBold(True)
            return font
        return None
    if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
        pair = colours(row, column)
        if pair is not None:
            return QBrush(pair[0] if role == Qt.ItemDataRole.ForegroundRole else pair[1])
    return None


def alignment(column: int) -> int | None:
    if column == COL_AMOUNT:
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return None


def colours(row: HistoryRow, column: int) -> tuple[QColor, QColor] | None:
    """(foreground, background) for a cell that carries meaning in colour, else None."""
    if column == COL_STATUS:
        return STATUS_COLOURS.get(row.status)
    if column in (COL_TYPE, COL_ERROR) and row.decode_error:
        return DECODE_ERROR_COLOURS
    return None


def tooltip(row: HistoryRow, column: int) -> str | None:
    if column == COL_RECEIVED:
        return row.received_at or None
    if column == COL_OCCURRED:
        return row.occurred_at
    if column in (COL_TYPE, COL_ERROR) and row.decode_error:
        return f"The body could not be decoded: {row.decode_error}"
    if column == COL_AMOUNT and row.amount_minor is not None:
        return f"{row.amount_minor} minor units {row.currency or ''}".rstrip()
    if column == COL_PAYMENT_ID and row.cells[COL_PAYMENT_ID]:
        return "Double-click or press Enter for this payment's timeline"
    return None


def _time_text(iso: str) -> str:
    """The stored form `2026-01-31T12:34:56.789Z` sliced; anything else parsed (slower)."""
    if len(iso) == 24 and iso[10] == "T" and iso[23] == "Z":
        return f"{iso[:10]} {iso[11:23]}"
    return format_timestamp(iso)


def _status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        return Status.UNKNOWN
