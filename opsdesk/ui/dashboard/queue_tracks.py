"""Each queue's depth over time, kept in the UI: history from the file, then live samples."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from opsdesk.broker.queue_sample import QueueSample

_GROW = 1.5
_RECENT = 512  # samples: a few minutes of rounds over a dozen queues


@dataclass(slots=True)
class QueueTrack:
    """Taken-at (epoch s), ready and unacked (NaN when unknown) in growable arrays."""

    is_dead_letter: bool = False
    _xs: np.ndarray = field(default_factory=lambda: np.empty(64))
    _ready: np.ndarray = field(default_factory=lambda: np.empty(64))
    _unacked: np.ndarray = field(default_factory=lambda: np.empty(64))
    size: int = 0

    @property
    def xs(self) -> np.ndarray:
        return self._xs[: self.size]

    @property
    def ready(self) -> np.ndarray:
        return self._ready[: self.size]

    @property
    def unacked(self) -> np.ndarray:
        return self._unacked[: self.size]

    def append(self, x: float, ready: float, unacked: float) -> None:
        if self.size and x <= self._xs[self.size - 1]:
            return  # already there (history and a live round overlap): keep x sorted, unique
        if self.size == len(self._xs):
            capacity = int(len(self._xs) * _GROW) + 1
            for name in ("_xs", "_ready", "_unacked"):
                grown = np.empty(capacity)
                grown[: self.size] = getattr(self, name)[: self.size]
                setattr(self, name, grown)
        self._xs[self.size] = x
        self._ready[self.size] = ready
        self._unacked[self.size] = unacked
        self.size += 1

    def drop_before(self, x: float) -> None:
        keep = int(np.searchsorted(self.xs, x))
        if keep:
            for name in ("_xs", "_ready", "_unacked"):
                array = getattr(self, name)
                array[: self.size - keep] = array[keep : self.size].copy()
            self.size -= keep


class QueueTracks:
    """Depth tracks by queue; each queue keeps the colour slot it got when first seen."""

    def __init__(self) -> None:
        self.tracks: dict[str, QueueTrack] = {}
        self.latest: dict[str, QueueSample] = {}
        self._slots: dict[str, int] = {}
        # Live rounds that may have arrived while a history load ran: replayed after it.
        self._recent: deque[QueueSample] = deque(maxlen=_RECENT)

    def slot(self, queue: str) -> int:
        return self._slots.setdefault(queue, len(self._slots))

    def replace(self, history: Mapping[str, Sequence[QueueSample]]) -> None:
        """Start over from stored history (a new window), then replay recent live samples."""
        self.tracks = {}
        for queue in sorted(history, key=self.slot):
            samples = history[queue]
            for sample in samples:
                self._add(sample)
            current = self.latest.get(queue)
            if samples and (current is None or current.taken_at < samples[-1].taken_at):
                self.latest[queue] = samples[-1]
        for sample in self._recent:
            self._add(sample)

    def append(self, samples: Iterable[QueueSample]) -> None:
        for sample in samples:
            self._add(sample)
            self._recent.append(sample)
            self.latest[sample.queue] = sample

    def keep_latest(self, samples: Mapping[str, QueueSample]) -> None:
        """Newer per-queue samples from elsewhere (the file) become the latest; no track point."""
        for queue, sample in samples.items():
            current = self.latest.get(queue)
            if current is None or current.taken_at < sample.taken_at:
                self.latest[queue] = sample

    def drop_before(self, x: float) -> None:
        for track in self.tracks.values():
            track.drop_before(x)

    def depths(self) -> tuple[int | None, int | None]:
        """Messages waiting (non dead-letter queues) and dead-letter depth, from the latest."""
        waiting = [_depth(s) for s in self.latest.values() if not s.is_dead_letter]
        dead = [_depth(s) for s in self.latest.values() if s.is_dead_letter]
        return (sum(waiting) if waiting else None, sum(dead) if dead else None)

    def _add(self, sample: QueueSample) -> None:
        self.slot(sample.queue)
        track = self.tracks.get(sample.queue)
        if track is None:
            track = self.tracks[sample.queue] = QueueTrack()
        track.is_dead_letter = sample.is_dead_letter
        unacked = np.nan if sample.messages_unacked is None else float(sample.messages_unacked)
        track.append(epoch_seconds(sample.taken_at), float(sample.messages_ready), unacked)


def epoch_seconds(iso: str) -> float:
    """`2025-01-31T09:15:02.123Z` as seconds since the epoch."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _depth(sample: QueueSample) -> int:
    return sample.messages_ready + (sample.messages_unacked or 0)
