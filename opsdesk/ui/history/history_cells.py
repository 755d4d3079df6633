"""One history row as the table shows it: the columns, their texts, colours and tooltips."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt

from opsdesk.events.model import Status
from opsdesk.ui import event_cells
from opsdesk.ui.event_cells import format_timestamp
from opsdesk.ui.money_text import format_amount

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
    "replay_of",
    "replay_attempt",
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
    replay_of: str | None = None  # a copy opsdesk replayed: the original it re-sends


def history_row(values: tuple[Any, ...]) -> HistoryRow:
    """Build a row from a tuple in PAGE_COLUMNS order."""

    def text(name: str) -> str:
        value = values[_V[name]]
        return "" if value is None else str(value)

    status = _status(text("status"))
    decode_error = values[_V["decode_error"]]
    amount = values[_V["amount_minor"]]
    currency = values[_V["currency"]]
    cells = [""] * len(event_cells.COLUMNS)
    cells[event_cells.COL_RECEIVED] = _time_text(text("received_at"))
    cells[event_cells.COL_OCCURRED] = _time_text(text("occurred_at"))
    replay_of = values[_V["replay_of"]]
    cells[event_cells.COL_TYPE] = event_cells.type_text(
        text("type"), decode_error, replay_of, values[_V["replay_attempt"]]
    )
    cells[event_cells.COL_STATUS] = event_cells.status_text(status)
    cells[event_cells.COL_AMOUNT] = (
        format_amount(amount, currency) if isinstance(amount, int) else text("amount_minor")
    )
    cells[event_cells.COL_MERCHANT] = text("merchant")
    cells[event_cells.COL_PAYMENT_ID] = text("payment_id")
    cells[event_cells.COL_ERROR] = event_cells.error_text(text("error_code"), decode_error)
    cells[event_cells.COL_ROUTING_KEY] = event_cells.source_text(
        text("exchange"), text("routing_key")
    )
    cells[event_cells.COL_EXCHANGE] = text("exchange") or "(default)"
    cells[event_cells.COL_EVENT_ID] = text("event_id")
    cells[event_cells.COL_FORMAT] = text("format")
    return HistoryRow(
        row_id=int(values[_V["id"]]),
        status=status,
        decode_error=decode_error,
        received_at=text("received_at"),
        occurred_at=values[_V["occurred_at"]],
        amount_minor=amount if isinstance(amount, int) else None,
        currency=currency,
        cells=tuple(cells),
        replay_of=replay_of,
    )


def gone_row(row_id: int) -> HistoryRow:
    """A row whose event has left the file since the ids were read (retention pruned it)."""
    cells = [""] * len(event_cells.COLUMNS)
    cells[event_cells.COL_TYPE] = "(removed from history)"
    return HistoryRow(row_id, Status.UNKNOWN, None, "", None, None, None, tuple(cells))


def unreadable_row(row_id: int) -> HistoryRow:
    """Shown when a page could not be read; the next refresh tries again."""
    cells = [""] * len(event_cells.COLUMNS)
    cells[event_cells.COL_TYPE] = "(could not read this row)"
    return HistoryRow(row_id, Status.UNKNOWN, None, "", None, None, None, tuple(cells))


def cell_data(row: HistoryRow, column: int, role: int) -> Any:
    """What the model answers for `role` (display, tooltip, font, colours) in a cell."""
    if role == Qt.ItemDataRole.DisplayRole:
        return row.cells[column]
    if role == Qt.ItemDataRole.ToolTipRole:
        return tooltip(row, column)
    return event_cells.cell_style(row, column, role)


def tooltip(row: HistoryRow, column: int) -> str | None:
    if column == event_cells.COL_PAYMENT_ID and row.cells[event_cells.COL_PAYMENT_ID]:
        return "Double-click or press Enter for this payment's timeline"
    return event_cells.tooltip(row, column)


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
