"""The open payment timelines: one window per payment, filled from the query thread, and
read again when the tap stores an event of its payment (a replay's outcome, a late refund)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from opsdesk.events.model import PaymentEvent
from opsdesk.store.event_query import EventQuery
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.history.payment_timeline_dialog import PaymentTimelineDialog


class TimelineWindows(QObject):
    """Opening a payment that is already open raises its window instead of a second one."""

    export_requested = Signal(str)  # payment id

    def __init__(self, reader: BackgroundReader[EventQuery], parent: QWidget) -> None:
        super().__init__(parent)
        self._reader = reader
        self._parent = parent
        self._open: dict[str, PaymentTimelineDialog] = {}

    def open(self, payment_id: str) -> PaymentTimelineDialog:
        dialog = self._open.get(payment_id)
        if dialog is None:
            dialog = PaymentTimelineDialog(payment_id, self._parent)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.export_requested.connect(self.export_requested)
            dialog.destroyed.connect(partial(self._on_destroyed, payment_id))
            self._open[payment_id] = dialog
            self._read(payment_id)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def notify_events_stored(self, events: Iterable[PaymentEvent]) -> None:
        """Read the open timelines these newly stored events belong to again."""
        touched = {event.payment_id for event in events if event.payment_id is not None}
        for payment_id in touched & self._open.keys():
            self._read(payment_id)  # one read per payment in flight: the reader keeps the last

    def close_all(self) -> None:
        for dialog in list(self._open.values()):
            dialog.close()

    def _read(self, payment_id: str) -> None:
        self._reader.submit(
            f"timeline:{payment_id}",
            lambda query: query.timeline(payment_id),
            partial(self._on_read, payment_id),
            partial(self._on_failed, payment_id),
        )

    def _on_read(self, payment_id: str, rows: list[tuple[int, PaymentEvent]]) -> None:
        dialog = self._open.get(payment_id)
        if dialog is not None:  # closed meanwhile: nothing to show
            dialog.show_timeline(rows)

    def _on_failed(self, payment_id: str, error: Exception) -> None:
        dialog = self._open.get(payment_id)
        if dialog is not None:
            dialog.show_error(str(error))

    def _on_destroyed(self, payment_id: str, *_: object) -> None:
        self._open.pop(payment_id, None)
