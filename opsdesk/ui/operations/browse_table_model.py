"""One browsed page as a table: position, identity, routing, redelivered, size, x-death, age."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from opsdesk.events.model import PaymentEvent
from opsdesk.operations.browse import BrowsedMessage
from opsdesk.ui.dashboard.durations import duration_text
from opsdesk.ui.rows_table_model import RowsTableModel

COL_POSITION = 0
COL_MESSAGE_ID = 1
COL_ROUTING_KEY = 2
COL_REDELIVERED = 3
COL_SIZE = 4
COL_AGE = 5
COL_HISTORY = 6
COL_DEATHS = 7  # last: the longest text, and the column that stretches
HEADERS = ("#", "Message id", "Routing key", "Redelivered", "Size", "Age", "History", "x-death")

MessageRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def deaths_text(message: BrowsedMessage) -> str:
    """`3x rejected in orders` (all x-death counts; the newest reason and queue), or empty."""
    if not message.deaths:
        return ""
    newest = message.deaths[0]
    total = sum(d.count for d in message.deaths)
    return f"{total}x {newest.reason} in {newest.queue}"


def age_seconds(message: BrowsedMessage, now: float) -> float | None:
    """Seconds since the AMQP timestamp; None when the publisher set none."""
    stamp = message.properties.get("timestamp")
    return now - float(stamp) if isinstance(stamp, int | float) else None


def size_text(size: int) -> str:
    return f"{size:,} B" if size < 10_240 else f"{size / 1024:,.1f} KiB"


class BrowseTableModel(RowsTableModel[BrowsedMessage]):
    """Rows of BrowsedMessage; `set_history` marks those the desk's history already holds."""

    HEADERS = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._history: dict[str, PaymentEvent] = {}
        self._now = time.time()

    def set_messages(self, messages: Sequence[BrowsedMessage]) -> None:
        self._history = {}
        self._now = time.time()
        self.replace_rows(messages)

    def set_history(self, copies: Mapping[str, PaymentEvent]) -> None:
        self._history = dict(copies)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, COL_HISTORY), self.index(len(self._rows) - 1, COL_HISTORY)
            )

    def message(self, row: int) -> BrowsedMessage | None:
        return self.row_at(row)

    def messages(self) -> tuple[BrowsedMessage, ...]:
        return tuple(self._rows)

    def history_copy(self, message: BrowsedMessage) -> PaymentEvent | None:
        return self._history.get(message.message_id) if message.message_id else None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        message = self.message(index.row()) if index.isValid() else None
        if message is None:
            return None
        if role == MessageRole:
            return message
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(message, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(message, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_POSITION, COL_SIZE):
            return _RIGHT
        return None

    def _text(self, message: BrowsedMessage, column: int) -> str:
        if column == COL_POSITION:
            return str(message.position)
        if column == COL_MESSAGE_ID:
            return message.message_id or f"(none) {message.key[:19]}"
        if column == COL_ROUTING_KEY:
            return message.routing_key
        if column == COL_REDELIVERED:
            counted = f" · {message.delivery_count} counted" if message.delivery_count else ""
            return ("yes" if message.redelivered else "no") + counted
        if column == COL_SIZE:
            return size_text(message.size)
        if column == COL_DEATHS:
            return deaths_text(message)
        if column == COL_AGE:
            age = age_seconds(message, self._now)
            return duration_text(age) if age is not None else "—"
        if column == COL_HISTORY:
            return "recorded" if self.history_copy(message) is not None else ""
        return ""

    def _tooltip(self, message: BrowsedMessage, column: int) -> str | None:
        if column == COL_MESSAGE_ID and not message.message_id:
            return f"No message_id: selected by its content fingerprint {message.key}"
        if column == COL_REDELIVERED and message.delivery_count:
            return (
                f"x-delivery-count {message.delivery_count}: the quorum queue had it handed back "
                f"{message.delivery_count} time(s) in a way that counts towards its delivery "
                "limit (as taken by this browse, which handed it back once more)"
            )
        if column == COL_REDELIVERED:
            return "Someone had this message before the browse (the browse itself sets it too)"
        if column == COL_HISTORY and self.history_copy(message) is not None:
            return "The desk's history holds this message: its details show the recorded copy"
        return self._text(message, column) or None
