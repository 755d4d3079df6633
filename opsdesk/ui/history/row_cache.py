"""History rows by id: read a page at a time, kept in a bounded least-recently-used cache."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

from opsdesk.ui.history import history_cells as cells
from opsdesk.ui.history.history_cells import HistoryRow
from opsdesk.ui.history.page_reader import PageReader

log = logging.getLogger(__name__)


class RowCache:
    """Never holds more than `cap` rows, however far the operator scrolls."""

    def __init__(self, pages: PageReader, cap: int) -> None:
        self._pages = pages
        self._cap = cap
        self._rows: OrderedDict[int, HistoryRow] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def cap(self) -> int:
        return self._cap

    def get(self, row_id: int) -> HistoryRow | None:
        row = self._rows.get(row_id)
        if row is not None:
            self._rows.move_to_end(row_id)
        return row

    def load(self, ids: Sequence[int]) -> str | None:
        """Read the rows of `ids` not cached yet in one lookup; the error text if it failed."""
        wanted = [i for i in ids if i not in self._rows]
        error = None
        try:
            found = {
                values[0]: cells.history_row(values)
                for values in self._pages.values(wanted, cells.PAGE_COLUMNS)
            }
        except Exception as exc:  # a page that cannot be read must not break painting
            log.warning("cannot read history rows: %s", exc)
            found = {i: cells.unreadable_row(i) for i in wanted}
            error = str(exc)
        for row_id in wanted:
            self._rows[row_id] = found.get(row_id) or cells.gone_row(row_id)
        while len(self._rows) > self._cap:
            self._rows.popitem(last=False)
        return error

    def clear(self) -> None:
        self._rows.clear()
