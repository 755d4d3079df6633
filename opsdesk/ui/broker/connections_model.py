"""The broker's connections and channels; the blocked and flow-controlled ones stand out."""

from __future__ import annotations

from PySide6.QtGui import QColor

from opsdesk.broker.connections import ChannelInfo, ConnectionInfo
from opsdesk.ui.broker.consumers_model import peer_text, prefetch_text, product_text
from opsdesk.ui.broker.figures_age import since_text, utc_now
from opsdesk.ui.broker.figures_table_model import (
    ALARM_BACKGROUND,
    ALARM_COLOUR,
    FLOW_BACKGROUND,
    FiguresTableModel,
)

STATE_TEXT = {
    "blocked": "blocked: publishing stopped by a resource alarm",
    "blocking": "blocking: will be stopped at its next publish (resource alarm)",
    "flow": "flow: slowed by credit flow (the broker cannot keep up)",
}

(
    COL_CONNECTION,
    COL_VHOST,
    COL_USER,
    COL_STATE,
    COL_CHANNELS,
    COL_CLIENT,
    COL_PEER,
    COL_SINCE,
) = range(8)


def _state_background(state: str | None) -> QColor | None:
    if state in ("blocked", "blocking"):
        return ALARM_BACKGROUND
    return FLOW_BACKGROUND if state == "flow" else None


class ConnectionsModel(FiguresTableModel[ConnectionInfo]):
    HEADERS = ("Connection", "Vhost", "User", "State", "Channels", "Client", "From", "Since")
    NUMERIC = frozenset({COL_CHANNELS})

    def text(self, row: ConnectionInfo, column: int) -> str:
        if column == COL_CONNECTION:
            return row.label
        if column == COL_VHOST:
            return row.vhost
        if column == COL_USER:
            return row.user
        if column == COL_STATE:
            return STATE_TEXT.get(row.state or "", row.state or "—")
        if column == COL_CHANNELS:
            return "—" if row.channels is None else str(row.channels)
        if column == COL_CLIENT:
            return product_text(row.client.product, row.client.version)
        if column == COL_PEER:
            return peer_text(row.peer_host, row.peer_port)
        if column == COL_SINCE:
            return since_text(row.connected_at, utc_now())
        return ""

    def tooltip(self, row: ConnectionInfo, column: int) -> str:
        if column == COL_CONNECTION:
            node = f" on {row.node}" if row.node else ""
            return f"The broker's name: {row.name}{node} ({row.protocol or 'protocol unknown'})"
        return ""

    def colour(self, row: ConnectionInfo, column: int) -> QColor | None:
        return ALARM_COLOUR if column == COL_STATE and row.blocked else None

    def background(self, row: ConnectionInfo, column: int) -> QColor | None:
        return _state_background(row.state)


(
    COL_CHANNEL,
    COL_CHANNEL_STATE,
    COL_CONSUMERS,
    COL_PREFETCH,
    COL_UNACKED,
    COL_UNCONFIRMED,
    COL_MODE,
) = range(7)


class ChannelsModel(FiguresTableModel[ChannelInfo]):
    HEADERS = ("Channel", "State", "Consumers", "Prefetch", "Unacked", "Unconfirmed", "Mode")
    NUMERIC = frozenset({COL_CONSUMERS, COL_PREFETCH, COL_UNACKED, COL_UNCONFIRMED})

    def text(self, row: ChannelInfo, column: int) -> str:
        if column == COL_CHANNEL:
            return row.name
        if column == COL_CHANNEL_STATE:
            return STATE_TEXT.get(row.state or "", row.state or "—")
        if column == COL_CONSUMERS:
            return _count(row.consumers)
        if column == COL_PREFETCH:
            shared = row.global_prefetch
            per = prefetch_text(row.prefetch)
            return per if not shared else f"{per}, {shared:,} shared"
        if column == COL_UNACKED:
            return _count(row.unacked)
        if column == COL_UNCONFIRMED:
            return _count(row.unconfirmed)
        if column == COL_MODE:
            return ", ".join(
                mode
                for mode, on in (("confirms", row.confirm), ("transactional", row.transactional))
                if on
            )
        return ""

    def background(self, row: ChannelInfo, column: int) -> QColor | None:
        return _state_background(row.state)


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"
