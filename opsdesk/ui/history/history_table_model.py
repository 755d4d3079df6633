"""The history table: the ordered row ids of the current filter, rows read lazily by page.

As in anki's browser model, the model holds every matching row id (8 bytes each) and reads
the rows the view asks for by id, a page at a time, into a bounded LRU cache: scrolling
through a million rows keeps memory flat. The ids come from a worker thread (a filter or a
sort over millions of rows takes longer than a frame); a page read is a bounded lookup by
primary key on the UI thread's own connection (see PageReader for its measured cost).
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Iterable
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery, SortKey
from opsdesk.ui import event_cells
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.history import history_cells as cells
from opsdesk.ui.history.history_cells import HistoryRow
from opsdesk.ui.history.history_id_queries import IdList, NewIds, ids_job, newer_job
from opsdesk.ui.history.page_reader import PageReader
from opsdesk.ui.history.row_cache import RowCache
from opsdesk.ui.history.shown_ids import ShownIds

log = logging.getLogger(__name__)

PAGE_SIZE = 200
CACHE_CAP = 3_000
FIRST_IDS = 1_000  # shown before the full id list has been read
NEWER_LIMIT = 5_000
LIVE_INTERVAL_MS = 2_000

_Index = QModelIndex | QPersistentModelIndex


class HistoryTableModel(QAbstractTableModel):
    """Rows of the history that match `filter`, in `sort_key` order, fetched as the view needs."""

    count_changed = Signal(int, bool)  # rows, complete (False: the ids are still being read)
    loading_changed = Signal(bool)
    query_failed = Signal(str)
    newer_waiting = Signal(int)  # live rows held back because the sort is not by time

    def __init__(
        self,
        reader: BackgroundReader[EventQuery],
        pages: PageReader,
        *,
        page_size: int = PAGE_SIZE,
        cache_cap: int = CACHE_CAP,
        live_interval_ms: int = LIVE_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if cache_cap < page_size:
            raise ValueError("the cache must hold at least one page")
        self._reader = reader
        self._page_size = page_size
        self._filter = EventFilter()
        self._sort_key = SortKey.RECEIVED
        self._descending = True
        self._ids = ShownIds()
        self._cache = RowCache(pages, cache_cap)
        self._generation = 0
        self._complete = False
        self._top_id: int | None = None  # None until the full id list is known
        self._above_top: frozenset[int] = frozenset()
        self._polling = False
        self._failed = False  # the last id query failed: the live tick tries again
        self._waiting = 0
        self._live = QTimer(self)
        self._live.setInterval(live_interval_ms)
        self._live.timeout.connect(self.poll_newer)

    # -- what the panel asks ----------------------------------------------------------------

    @property
    def filter(self) -> EventFilter:
        return self._filter

    @property
    def sort_key(self) -> SortKey:
        return self._sort_key

    @property
    def descending(self) -> bool:
        return self._descending

    @property
    def complete(self) -> bool:
        """True once every matching id has been read (the count is exact)."""
        return self._complete

    @property
    def newest_id(self) -> int | None:
        """The newest history row id the rows account for; None until the ids are read."""
        if self._top_id is None:
            return None
        return max(self._top_id, max(self._above_top, default=0))

    @property
    def cache_cap(self) -> int:
        return self._cache.cap

    @property
    def cached_row_count(self) -> int:
        return len(self._cache)

    @property
    def live(self) -> bool:
        """True while newly stored rows are polled for."""
        return self._live.isActive()

    def set_filter(self, event_filter: EventFilter) -> None:
        """Show the rows that match `event_filter` (read in the background)."""
        self._filter = event_filter
        self._request_ids()

    def refresh(self) -> None:
        """Read the current filter's ids again (e.g. to take in held-back live rows)."""
        self._request_ids()

    def set_live(self, enabled: bool) -> None:
        """Poll for newly stored matching rows every few seconds."""
        if enabled:
            self._live.start()
        else:
            self._live.stop()

    def row_id(self, row: int) -> int | None:
        """The history row id shown in `row`, None outside the table."""
        return self._ids.at(row)

    def row_ids(self, rows: Iterable[int]) -> list[int]:
        return self._ids.ids_at(rows)

    def row_of(self, row_id: int) -> int | None:
        """The row that shows history row `row_id`, None when the filter does not show it."""
        return self._ids.row_of(row_id)

    def row_at(self, row: int) -> HistoryRow | None:
        """The row's texts, reading its page when it is not cached."""
        row_id = self.row_id(row)
        if row_id is None:
            return None
        cached = self._cache.get(row_id)
        if cached is None:
            first = row - row % self._page_size
            last = min(first + self._page_size, self.rowCount())
            error = self._cache.load(self.row_ids(range(first, last)))
            if error is not None:
                self.query_failed.emit(f"Cannot read history rows: {error}")
            cached = self._cache.get(row_id)
        return cached

    def shown_cell(self, row: int, column: int) -> tuple[HistoryRow, str] | None:
        """The row and the cell's text, for EventCellDelegate."""
        shown = self.row_at(row)
        if shown is None or not 0 <= column < len(shown.cells):
            return None
        return shown, shown.cells[column]

    def poll_newer(self) -> None:
        """Ask for rows stored since the ids were read that match the filter."""
        if self._failed:
            self._request_ids()  # e.g. the history file did not exist yet
            return
        if self._top_id is None or self._polling or not self._complete:
            return
        self._polling = True
        self._reader.submit(
            "history-newer",
            newer_job(self._filter, self._top_id, NEWER_LIMIT),
            partial(self._on_newer, self._generation),
            partial(self._on_poll_failed, self._generation),
        )

    # -- reading ids ------------------------------------------------------------------------

    def _request_ids(self) -> None:
        self._generation += 1
        generation = self._generation
        self._complete = False
        self._polling = False
        self._failed = False
        self._top_id = None
        self.loading_changed.emit(True)
        self._reader.submit(
            "history-ids",
            ids_job(self._filter, self._sort_key, self._descending, FIRST_IDS),
            partial(self._on_first_ids, generation),
            partial(self._on_ids_failed, generation),
        )

    def _request_all_ids(self, generation: int) -> None:
        # Same key: a newer filter's first job replaces this one if it has not started.
        self._reader.submit(
            "history-ids",
            ids_job(self._filter, self._sort_key, self._descending),
            partial(self._on_all_ids, generation),
            partial(self._on_ids_failed, generation),
        )

    def _on_first_ids(self, generation: int, result: IdList) -> None:
        if generation != self._generation:
            return
        complete = len(result.ids) < FIRST_IDS
        self._replace(result.ids)
        if complete:
            self._finish(result)
        else:
            self.count_changed.emit(self.rowCount(), False)
            self._request_all_ids(generation)

    def _on_all_ids(self, generation: int, result: IdList) -> None:
        if generation != self._generation:
            return
        shown = len(self._ids)
        if not self._ids.has_head and result.ids[:shown] == self._ids.body:
            # The first page is already on screen: add the rest below it, keeping the
            # operator's scroll position and selection.
            if len(result.ids) > shown:
                self.beginInsertRows(QModelIndex(), shown, len(result.ids) - 1)
                self._ids.replace(result.ids)
                self.endInsertRows()
        else:
            self._replace(result.ids)
        self._finish(result)

    def _finish(self, result: IdList) -> None:
        self._complete = True
        self._top_id = result.top_id
        self._above_top = result.above_top
        self.loading_changed.emit(False)
        self.count_changed.emit(self.rowCount(), True)

    def _on_ids_failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        log.warning("history query failed: %s", error)
        self._failed = True
        self.loading_changed.emit(False)
        self.query_failed.emit(str(error))

    def _replace(self, ids: array[int]) -> None:
        self.beginResetModel()
        self._ids.replace(ids)
        self._cache.clear()
        if self._waiting:
            self._waiting = 0
            self.newer_waiting.emit(0)
        self.endResetModel()

    # -- live rows --------------------------------------------------------------------------

    def _on_newer(self, generation: int, result: NewIds) -> None:
        if generation != self._generation:
            return
        self._polling = False
        self._top_id = result.top_id
        fresh = [i for i in result.ids if i not in self._above_top]
        self._above_top = frozenset()  # the new top is above every id read with the list
        if not fresh:
            return
        if self._sort_key is SortKey.RECEIVED and self._descending:
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self._ids.prepend(fresh)
            self.endInsertRows()
        elif self._sort_key is SortKey.RECEIVED:
            end = self.rowCount()
            self.beginInsertRows(QModelIndex(), end, end + len(fresh) - 1)
            self._ids.append(fresh)
            self.endInsertRows()
        else:
            # Where they belong in this order is the store's to say: offer a refresh.
            self._waiting += len(fresh)
            self.newer_waiting.emit(self._waiting)
            return
        self.count_changed.emit(self.rowCount(), True)

    def _on_poll_failed(self, generation: int, error: Exception) -> None:
        if generation == self._generation:
            self._polling = False
            log.debug("polling for newer history rows failed: %s", error)

    # -- QAbstractTableModel ----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(event_cells.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(event_cells.COLUMNS):
            return None
        column = event_cells.COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Click to sort" if column.sort_key else "This column cannot be sorted"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(event_cells.COLUMNS):
            return
        key = event_cells.COLUMNS[column].sort_key
        descending = order == Qt.SortOrder.DescendingOrder
        if key is None or (key, descending) == (self._sort_key, self._descending):
            return
        self._sort_key, self._descending = key, descending
        self._request_ids()

    def sort_column(self) -> int:
        """The column whose key orders the rows."""
        return next(i for i, c in enumerate(event_cells.COLUMNS) if c.sort_key is self._sort_key)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in _ROLES:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:  # needs no row: no page read
            return event_cells.alignment(column)
        row = self.row_at(index.row())
        return None if row is None else cells.cell_data(row, column, role)


_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
    }
)
