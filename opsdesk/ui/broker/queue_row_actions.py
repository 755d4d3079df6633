"""What an overview row opens besides the browser: the Queues tab's move and dead-letter
dialogs on the whole queue (no browsed messages: the dialog offers the first N or a
filter), and the queue's depth chart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from opsdesk.config import Profile
from opsdesk.operations.browse import BrowsedMessage
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.broker.broker_reads import BrokerReads
from opsdesk.ui.broker.depth_history import DepthHistory
from opsdesk.ui.broker.queue_depth_dialogs import QueueDepthDialogs
from opsdesk.ui.operations.queue_actions import QueueActions

CHART_SPAN = timedelta(hours=1)


class QueueRowActions(QObject):
    operation_finished = Signal(object)  # OperationResult, audited by the dialog
    busy = Signal(str)  # why a dialog did not open (another operation runs)

    def __init__(
        self,
        profile: Profile,
        db_path: Path,
        profile_vhost: str,
        depths: DepthHistory,
        reader: BackgroundReader[BrokerReads],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.profile_vhost = profile_vhost
        self.vhost, self.queue = profile_vhost, ""
        self._reader = reader
        self.actions = QueueActions(profile, db_path, self._target, parent)
        self.actions.hide()  # its dialogs open from the overview's buttons
        self.actions.operation_finished.connect(self.operation_finished)
        self.actions.busy.connect(self.busy)
        self.charts = QueueDepthDialogs(depths, parent)

    def set_queue(self, vhost: str, queue: str) -> None:
        self.vhost, self.queue = vhost, queue

    def open_move(self) -> None:
        self.actions.open_move()

    def open_dead_letter(self) -> None:
        self.actions.open_dead_letter()

    def open_chart(self) -> None:
        vhost, queue = self.vhost, self.queue
        if not queue:
            return
        self.charts.open(vhost, queue)
        if vhost != self.profile_vhost:  # the monitor samples the profile's vhost only
            self.charts.show_stored(vhost, queue, ())
            return
        self._reader.submit(
            f"series:{queue}",
            lambda reads: reads.stored_series(queue, CHART_SPAN),
            lambda samples: self.charts.show_stored(vhost, queue, samples),
        )

    def shutdown(self) -> None:
        self.charts.close_all()
        self.actions.shutdown()

    def _target(self) -> tuple[str, Sequence[BrowsedMessage], Sequence[BrowsedMessage]] | None:
        if not self.queue or self.vhost != self.profile_vhost:
            return None
        return self.queue, (), ()
