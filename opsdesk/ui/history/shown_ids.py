"""The row ids in display order: the list a query returned, plus live ids added at either end."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence


class ShownIds:
    """Row r is `head` read backwards (newest first), then `body`; both grow without copying."""

    def __init__(self) -> None:
        self._head: array[int] = array("q")  # prepended ids, oldest first
        self._body: array[int] = array("q")

    def __len__(self) -> int:
        return len(self._head) + len(self._body)

    @property
    def body(self) -> array[int]:
        return self._body

    @property
    def has_head(self) -> bool:
        return bool(self._head)

    def replace(self, ids: array[int]) -> None:
        self._head = array("q")
        self._body = ids

    def prepend(self, oldest_first: Sequence[int]) -> None:
        """Put these ids on top, the last one first."""
        self._head.extend(oldest_first)

    def append(self, ids: Sequence[int]) -> None:
        self._body.extend(ids)

    def at(self, row: int) -> int | None:
        """The id in `row`, None outside."""
        head = len(self._head)
        if 0 <= row < head:
            return self._head[head - 1 - row]
        if head <= row < head + len(self._body):
            return self._body[row - head]
        return None

    def ids_at(self, rows: Iterable[int]) -> list[int]:
        return [i for i in (self.at(r) for r in rows) if i is not None]

    def row_of(self, row_id: int) -> int | None:
        """The row showing `row_id`, None when it is not shown (a scan in C: ~1 ms per 1M)."""
        try:
            return len(self._head) + self._body.index(row_id)
        except ValueError:
            pass
        try:
            return len(self._head) - 1 - self._head.index(row_id)
        except ValueError:
            return None
