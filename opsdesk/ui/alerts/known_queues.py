"""The queue names the rule editor offers: the profile's watched queues and the monitor's list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QObject, Signal

from opsdesk.broker.queue_sample import QueueInfo


class KnownQueues(QObject):
    """Feed it the monitor's queue list (`queue_list_changed`); it says when the names change."""

    changed = Signal(object)  # tuple[str, ...], sorted

    def __init__(self, watched: Iterable[str] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watched = frozenset(watched)
        self._listed: frozenset[str] = frozenset()

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._watched | self._listed))

    def set_queue_list(self, queues: Sequence[QueueInfo]) -> None:
        listed = frozenset(queue.name for queue in queues)
        if listed != self._listed:
            self._listed = listed
            self.changed.emit(self.names())
