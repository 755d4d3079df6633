"""Who consumes a queue: one row per consumer, with its connection and how it takes messages."""

from __future__ import annotations

from PySide6.QtGui import QColor

from opsdesk.broker.consumers import ConsumerInfo
from opsdesk.ui.broker.figures_age import since_text, utc_now
from opsdesk.ui.broker.figures_table_model import ALARM_COLOUR, FiguresTableModel

(
    COL_CLIENT,
    COL_PRODUCT,
    COL_PEER,
    COL_USER,
    COL_CHANNEL,
    COL_TAG,
    COL_PREFETCH,
    COL_ACK,
    COL_ACTIVE,
    COL_SINCE,
) = range(10)


def product_text(product: str | None, version: str | None) -> str:
    return " ".join(part for part in (product, version) if part) or "—"


def peer_text(host: str | None, port: int | None) -> str:
    if host is None:
        return "—"
    return f"{host}:{port}" if port is not None else host


def prefetch_text(prefetch: int | None) -> str:
    if prefetch is None:
        return "—"
    return "unlimited" if prefetch == 0 else f"{prefetch:,}"


class ConsumersModel(FiguresTableModel[ConsumerInfo]):
    HEADERS = (
        "Client connection",
        "Client",
        "From",
        "User",
        "Channel",
        "Consumer tag",
        "Prefetch",
        "Acks",
        "Status",
        "Connected since",
    )
    NUMERIC = frozenset({COL_CHANNEL, COL_PREFETCH})

    def text(self, row: ConsumerInfo, column: int) -> str:
        if column == COL_CLIENT:
            return row.label
        if column == COL_PRODUCT:
            return product_text(row.client.product, row.client.version)
        if column == COL_PEER:
            return peer_text(row.peer_host, row.peer_port)
        if column == COL_USER:
            return row.user or "—"
        if column == COL_CHANNEL:
            return "—" if row.channel_number is None else str(row.channel_number)
        if column == COL_TAG:
            return row.consumer_tag
        if column == COL_PREFETCH:
            return prefetch_text(row.prefetch)
        if column == COL_ACK:
            return "manual" if row.ack_required else "automatic"
        if column == COL_ACTIVE:
            return _status(row)
        if column == COL_SINCE:
            return since_text(row.connected_at, utc_now())
        return ""

    def tooltip(self, row: ConsumerInfo, column: int) -> str:
        if column == COL_CLIENT:
            return f"The broker's name for the connection: {row.connection_name}"
        if column == COL_ACK and not row.ack_required:
            return (
                "Automatic acknowledgement: a message counts as handled once sent, so a "
                "consumer that crashes loses what it had in flight."
            )
        if column == COL_PREFETCH and row.prefetch == 0:
            return "No prefetch limit: the broker sends this consumer as much as it can buffer."
        if column == COL_CHANNEL:
            return row.channel
        if column == COL_TAG:
            return row.consumer_tag
        return ""

    def colour(self, row: ConsumerInfo, column: int) -> QColor | None:
        risky = (column == COL_ACK and not row.ack_required) or (
            column == COL_PREFETCH and row.prefetch == 0
        )
        return ALARM_COLOUR if risky else None


def _status(row: ConsumerInfo) -> str:
    if not row.active:
        return "waiting (single active consumer)"
    text = row.activity_status or "active"
    return f"{text}, exclusive" if row.exclusive else text
