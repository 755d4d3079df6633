"""The depth charts open from the overview: one per queue, raised when asked for again."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from opsdesk.broker.queue_sample import QueueSample
from opsdesk.ui.broker.depth_history import DepthHistory
from opsdesk.ui.broker.queue_depth_dialog import QueueDepthDialog


class QueueDepthDialogs(QObject):
    def __init__(self, depths: DepthHistory, parent: QWidget) -> None:
        super().__init__(parent)
        self._depths = depths
        self._parent = parent
        self.dialogs: dict[tuple[str, str], QueueDepthDialog] = {}

    def open(self, vhost: str, queue: str) -> QueueDepthDialog:
        key = (vhost, queue)
        dialog = self.dialogs.get(key)
        if dialog is None:
            dialog = QueueDepthDialog(vhost, queue, self._depths, self._parent)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(lambda *_: self.dialogs.pop(key, None))
            self.dialogs[key] = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def show_stored(self, vhost: str, queue: str, samples: Sequence[QueueSample]) -> None:
        """The monitor's samples read for a chart that may have been closed since."""
        dialog = self.dialogs.get((vhost, queue))
        if dialog is not None:
            dialog.show_stored(samples)

    def redraw(self) -> None:
        for dialog in self.dialogs.values():
            dialog.redraw()

    def close_all(self) -> None:
        for dialog in list(self.dialogs.values()):
            dialog.close()
