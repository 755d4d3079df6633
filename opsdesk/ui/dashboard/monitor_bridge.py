"""The queue monitor's callbacks as Qt signals: called on its worker, delivered on the UI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from opsdesk.broker.queue_sample import MonitorState, QueueInfo, QueueSample


class MonitorBridge(QObject):
    """A MonitorListener; keep it in the UI thread so its signals reach UI slots queued."""

    state_changed = Signal(object)  # MonitorState
    samples_arrived = Signal(object)  # tuple[QueueSample, ...], one sampling round
    queue_list_changed = Signal(object)  # tuple[QueueInfo, ...]

    def on_state(self, state: MonitorState) -> None:
        self.state_changed.emit(state)

    def on_samples(self, samples: list[QueueSample]) -> None:
        # A tuple, so the receiver cannot see a list the monitor might reuse.
        self.samples_arrived.emit(tuple(samples))

    def on_queue_list(self, queues: list[QueueInfo]) -> None:
        self.queue_list_changed.emit(tuple(queues))
