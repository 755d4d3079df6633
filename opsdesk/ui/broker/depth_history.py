"""Each queue's recent depth (ready + unacked), for the overview's sparklines.

Three sources, all the desk's own readings of the broker: the samples the queue monitor
stored (its watched queues, from before the tab opened), the monitor's live rounds, and
every overview this tab reads (all queues of the vhost, every few seconds). Points are kept
for the last SPAN_S seconds, at most MAX_POINTS a queue, in arrays: 5,000 queues of 120
points are ~10 MB, where tuples in deques would be ~30.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Mapping, Sequence

from opsdesk.broker.queue_overview_values import QueueOverview
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.ui.dashboard.queue_freshness import parse_utc

SPAN_S = 10 * 60.0
MAX_POINTS = 120

Key = tuple[str, str]  # (vhost, queue)


class DepthTrack:
    """Times (epoch seconds, ascending, unique) and depths."""

    __slots__ = ("xs", "ys")

    def __init__(self, x: float, y: float) -> None:
        self.xs = array("d", (x,))
        self.ys = array("d", (y,))

    def add(self, x: float, y: float) -> None:
        xs = self.xs
        if not xs or x > xs[-1]:
            xs.append(x)
            self.ys.append(y)
        else:  # stored history arriving after live points: keep the order
            at = bisect.bisect_left(xs, x)
            if at < len(xs) and xs[at] == x:
                return
            xs.insert(at, x)
            self.ys.insert(at, y)
        # The common case checked here, not in a call: 5,000 queues a refresh on the UI thread.
        if len(xs) > MAX_POINTS or xs[0] < xs[-1] - SPAN_S:
            self._trim()

    @property
    def change(self) -> float:
        """Depth now minus depth at the start of the track: > 0 is a queue filling up."""
        return self.ys[-1] - self.ys[0] if self.ys else 0.0

    def _trim(self) -> None:
        xs = self.xs
        drop = max(len(xs) - MAX_POINTS, bisect.bisect_left(xs, xs[-1] - SPAN_S))
        del xs[:drop]
        del self.ys[:drop]


class DepthHistory:
    """Tracks by (vhost, queue); fed on the UI thread, read by the overview model."""

    def __init__(self) -> None:
        self._tracks: dict[Key, DepthTrack] = {}

    def track(self, vhost: str, queue: str) -> DepthTrack | None:
        return self._tracks.get((vhost, queue))

    def add_overview(self, overview: QueueOverview) -> None:
        """One point per queue; queues no longer listed in the vhost lose their track."""
        x = overview.read_at.timestamp()
        vhost, tracks = overview.vhost, self._tracks
        listed = set()
        for row in overview.rows:  # 5,000 queues on the UI thread: no call it can spare
            listed.add(row.name)
            if row.total is None:
                continue
            track = tracks.get((vhost, row.name))
            if track is None:
                tracks[(vhost, row.name)] = DepthTrack(x, float(row.total))
            else:
                track.add(x, float(row.total))
        gone = [k for k in self._tracks if k[0] == overview.vhost and k[1] not in listed]
        for key in gone:
            del self._tracks[key]

    def add_samples(self, samples: Iterable[QueueSample]) -> None:
        """The monitor's samples; those without an unacked count (AMQP only) are left out,
        since their depth would dip by whatever is unacked."""
        for sample in samples:
            if sample.messages_unacked is None:
                continue
            depth = float(sample.messages_ready + sample.messages_unacked)
            self._add((sample.vhost, sample.queue), parse_utc(sample.taken_at).timestamp(), depth)

    def add_stored(self, stored: Mapping[str, Sequence[QueueSample]]) -> None:
        for samples in stored.values():
            self.add_samples(samples)

    def _add(self, key: Key, x: float, y: float) -> None:
        track = self._tracks.get(key)
        if track is None:
            self._tracks[key] = DepthTrack(x, y)
        else:
            track.add(x, y)
