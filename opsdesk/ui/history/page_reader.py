"""The UI thread's own read connection, for small lookups by row id (a page, one event)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from opsdesk.events.model import PaymentEvent
from opsdesk.store.event_query import EventQuery

log = logging.getLogger(__name__)

T = TypeVar("T")

# Above this a lookup is logged: the UI thread should never wait on SQLite for long.
SLOW_LOOKUP_MS = 8.0


class PageReader:
    """Opens the history file on first use (it may not exist yet) and after a failure."""

    def __init__(self, db_path: Path) -> None:
        self._db_path = db_path
        self._query: EventQuery | None = None
        self.lookups = 0
        self.last_ms = 0.0
        self.max_ms = 0.0  # the slowest lookup so far: what the UI thread paid at worst

    def values(self, ids: Sequence[int], columns: Sequence[str]) -> list[tuple[Any, ...]]:
        """`columns` of these rows in the order of `ids`; raises StoreError."""
        return self._timed(lambda query: query.values(ids, columns))

    def event(self, row_id: int) -> PaymentEvent | None:
        """The whole event stored in row `row_id`, None when it is gone."""
        return self._timed(lambda query: query.rows([row_id])).get(row_id)

    def close(self) -> None:
        if self._query is not None:
            self._query.close()
            self._query = None

    def _timed(self, lookup: Callable[[EventQuery], T]) -> T:
        started = time.perf_counter()
        if self._query is None:
            self._query = EventQuery(self._db_path)
        try:
            return lookup(self._query)
        except Exception:
            # A broken connection is reopened next time rather than failing forever.
            self.close()
            raise
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.lookups += 1
            self.last_ms = elapsed
            self.max_ms = max(self.max_ms, elapsed)
            if elapsed > SLOW_LOOKUP_MS:
                log.info("history lookup on the UI thread took %.1f ms", elapsed)
