"""Every queue of a vhost as a table, filtered and sorted here rather than in a proxy.

A QSortFilterProxyModel compares rows through data() calls into Python: ~60,000 of them to
sort 5,000 queues, well over the 50 ms a UI thread may stall. Here a filter is one pass over
the names and a sort one `list.sort` with a key, then one model reset: the view asks only
for the rows it shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from opsdesk.broker.queue_overview_values import QueueOverview, QueueRow
from opsdesk.ui.broker import queue_cells as cells
from opsdesk.ui.broker.depth_history import SPAN_S, DepthHistory

(
    COL_NAME,
    COL_TYPE,
    COL_STATE,
    COL_READY,
    COL_UNACKED,
    COL_TOTAL,
    COL_DEPTH,
    COL_CONSUMERS,
    COL_UTILISATION,
    COL_PUBLISH,
    COL_DELIVER,
    COL_ACK,
    COL_DLX,
    COL_POLICY,
) = range(14)
HEADERS = (
    "Queue",
    "Type",
    "State",
    "Ready",
    "Unacked",
    "Total",
    "Depth",
    "Consumers",
    "Utilisation",
    "Publish/s",
    "Deliver/s",
    "Ack/s",
    "Dead-letter exchange",
    "Policy",
)
HEADER_TIPS = {
    COL_DEPTH: f"Ready + unacked over the last {SPAN_S / 60:.0f} min, from this desk's "
    "readings; sorts by how much it grew",
    COL_UTILISATION: "Consumer utilisation: the share of time the consumers could take more "
    "messages at once (low: the consumers, or their prefetch, are the bottleneck)",
    COL_DELIVER: "Deliveries to consumers and basic.get, acknowledged or not",
    COL_DLX: "Where rejected and expired messages go (arguments or policy)",
}
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
DEPTH_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # the queue's DepthTrack, for the sparkline
_ROLES = frozenset({DISPLAY, TOOLTIP, ALIGNMENT, FOREGROUND, DEPTH_ROLE})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class CellLook(NamedTuple):
    text: str | None
    colour: QColor | None
    alignment: int | None


STALE_COLOUR = QColor("#9a9a9a")
WARN_COLOUR = QColor("#a4262c")
NUMERIC = frozenset(range(COL_READY, COL_ACK + 1)) - {COL_DEPTH}
RUNNING_STATES = frozenset({"running", "idle"})
_Index = QModelIndex | QPersistentModelIndex
SortValue = Callable[[QueueRow], Any]


class QueueOverviewModel(QAbstractTableModel):
    def __init__(self, depths: DepthHistory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._depths = depths
        self._vhost = ""
        self._rows: tuple[QueueRow, ...] = ()
        self._shown: list[QueueRow] = []
        self._needle = ""
        self._regex: re.Pattern[str] | None = None
        self._sort_column = COL_NAME
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._stale = False

    # -- what the view asks ---------------------------------------------------------------

    @property
    def total_count(self) -> int:
        return len(self._rows)

    @property
    def stale(self) -> bool:
        return self._stale

    def row_at(self, row: int) -> QueueRow | None:
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def row_of(self, name: str) -> int | None:
        return next((i for i, row in enumerate(self._shown) if row.name == name), None)

    def set_overview(self, overview: QueueOverview) -> None:
        self._vhost = overview.vhost
        self._rows = overview.rows
        self._reorder()

    def clear(self) -> None:
        self._rows = ()
        self._reorder()

    def set_filter(self, text: str, *, regex: bool) -> str:
        """Show the queues whose name contains `text` (any case) or matches it as a regular
        expression; "" if applied, else why not (the previous filter stays)."""
        if regex and text:
            try:
                compiled = re.compile(text)
            except re.error as exc:
                return f"Not a regular expression ({exc}): the previous filter still applies."
            self._needle, self._regex = "", compiled
        else:
            self._needle, self._regex = text.casefold(), None
        self._reorder()
        return ""

    def set_stale(self, stale: bool) -> None:
        """Grey every figure (the last read failed or is overdue), or show them plain again."""
        if stale != self._stale:
            self._stale = stale
            if self._shown:
                last = self.index(len(self._shown) - 1, len(HEADERS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)

    def refresh_depths(self) -> None:
        """The depth tracks gained points (monitor samples): repaint the sparklines."""
        if self._shown:
            last = len(self._shown) - 1
            self.dataChanged.emit(self.index(0, COL_DEPTH), self.index(last, COL_DEPTH))

    def cell_look(self, number: int, column: int) -> CellLook | None:
        """A cell's text, colour and alignment in one call (QueueCellDelegate); as data()."""
        if not 0 <= number < len(self._shown):
            return None
        row = self._shown[number]
        text = _TEXT.get(column)
        return CellLook(
            None if text is None else text(row),
            self._colour(row, column),
            _RIGHT if column in NUMERIC else None,
        )

    # -- QAbstractTableModel ----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(section)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if (column, order) == (self._sort_column, self._sort_order):
            return  # in that order already (QTableView.sortByColumn asks twice)
        self._sort_column, self._sort_order = column, order
        self._reorder()

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        # Called for every role of every visible cell on each repaint: ints, not Qt enums
        # (an enum attribute and comparison costs ~1.5 µs in PySide6), and no work for the
        # roles this model does not answer.
        if role not in _ROLES:
            return None
        number = index.row()
        if not 0 <= number < len(self._shown):
            return None
        row, column = self._shown[number], index.column()
        if role == DISPLAY:
            text = _TEXT.get(column)
            return text(row) if text is not None else None
        if role == FOREGROUND:
            return self._colour(row, column)
        if role == ALIGNMENT:
            return _RIGHT if column in NUMERIC else None
        if role == TOOLTIP:
            return self._tooltip(row, column)
        if column == COL_DEPTH:  # DEPTH_ROLE
            return self._depths.track(row.vhost or self._vhost, row.name)
        return None

    # -- internals --------------------------------------------------------------------------

    def _reorder(self) -> None:
        rows: list[QueueRow] = list(self._rows)
        if self._regex is not None:
            search = self._regex.search
            rows = [row for row in rows if search(row.name)]
        elif self._needle:
            needle = self._needle
            rows = [row for row in rows if needle in row.name.casefold()]
        value = self._sort_value(self._sort_column)
        keyed = [(value(row), row) for row in rows]
        known = [pair for pair in keyed if pair[0] is not None]
        # Stable, and the rows come sorted by name: equal values stay in name order.
        known.sort(
            key=lambda pair: pair[0], reverse=self._sort_order == Qt.SortOrder.DescendingOrder
        )
        self.beginResetModel()
        # Figures not reported yet sort last either way: they are neither large nor small.
        self._shown = [row for _, row in known] + [row for v, row in keyed if v is None]
        self.endResetModel()

    def _sort_value(self, column: int) -> SortValue:
        if column == COL_DEPTH:

            def change(row: QueueRow) -> float | None:
                track = self._depths.track(row.vhost or self._vhost, row.name)
                return track.change if track is not None and len(track.xs) > 1 else None

            return change
        return _SORT.get(column, _SORT[COL_NAME])

    def _tooltip(self, row: QueueRow, column: int) -> str | None:
        if column == COL_NAME:
            return cells.name_tooltip(row)
        if column in _RATE_NAMES:
            return cells.rates_tooltip(row.rates, _RATE_NAMES[column])
        if column == COL_DLX:
            return cells.dead_letter_tooltip(row)
        if column == COL_POLICY:
            return cells.policy_tooltip(row) or None
        if column in (COL_READY, COL_UNACKED, COL_TOTAL, COL_CONSUMERS):
            return cells.figures_tooltip(row) or None
        if column == COL_DEPTH:
            return HEADER_TIPS[COL_DEPTH]
        return None

    def _colour(self, row: QueueRow, column: int) -> QColor | None:
        if self._stale:
            return STALE_COLOUR
        if column == COL_CONSUMERS and row.consumers == 0 and (row.ready or 0) > 0:
            return WARN_COLOUR  # messages wait and nobody takes them
        if column == COL_STATE and row.state is not None and row.state not in RUNNING_STATES:
            return WARN_COLOUR
        return None


_TEXT: dict[int, Callable[[QueueRow], str]] = {
    COL_NAME: lambda r: r.name,
    COL_TYPE: lambda r: r.type,
    COL_STATE: cells.state_text,
    COL_READY: lambda r: cells.count_text(r.ready),
    COL_UNACKED: lambda r: cells.count_text(r.unacked),
    COL_TOTAL: lambda r: cells.count_text(r.total),
    COL_CONSUMERS: lambda r: cells.count_text(r.consumers),
    COL_UTILISATION: lambda r: cells.utilisation_text(r.consumer_utilisation),
    COL_PUBLISH: lambda r: cells.rate_text(r.rates.publish),
    COL_DELIVER: lambda r: cells.rate_text(r.rates.deliver),
    COL_ACK: lambda r: cells.rate_text(r.rates.ack),
    COL_DLX: cells.dead_letter_text,
    COL_POLICY: cells.policy_text,
}
_SORT: dict[int, SortValue] = {
    COL_NAME: lambda r: r.name.casefold(),
    COL_TYPE: lambda r: r.type,
    COL_STATE: lambda r: r.state,
    COL_READY: lambda r: r.ready,
    COL_UNACKED: lambda r: r.unacked,
    COL_TOTAL: lambda r: r.total,
    COL_CONSUMERS: lambda r: r.consumers,
    COL_UTILISATION: lambda r: r.consumer_utilisation,
    COL_PUBLISH: lambda r: r.rates.publish,
    COL_DELIVER: lambda r: r.rates.deliver,
    COL_ACK: lambda r: r.rates.ack,
    COL_DLX: lambda r: r.dead_letter_exchange,
    COL_POLICY: lambda r: cells.policy_text(r) or None,
}
_RATE_NAMES = {COL_PUBLISH: "Published", COL_DELIVER: "Delivered", COL_ACK: "Acknowledged"}
