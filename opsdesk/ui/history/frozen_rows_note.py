"""The export dialog's promise about a live list: the rows as they stood at the click, counted."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget

from opsdesk.store.errors import StoreError
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.export import FrozenRows, freeze_rows, newest_row_id
from opsdesk.ui.history.background_task import BackgroundTask, Progress

log = logging.getLogger(__name__)


class FrozenRowsNote(QLabel):
    """Bounds a filter at a row id (given, or the newest stored now) and counts its rows in the
    background: "Events up to 10:02:09 (3,006 rows); newer events are not included."

    New events keep arriving while the dialog is open; exporting `frozen_filter` writes exactly
    the rows counted here, never those.
    """

    counted = Signal(object)  # FrozenRows

    def __init__(
        self,
        db_path: Path,
        event_filter: EventFilter,
        up_to_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Counting the matching rows as they are now…", parent)
        self.setObjectName("exportFrozenRows")
        self.setWordWrap(True)
        self.frozen: FrozenRows | None = None
        self.frozen_filter = _bounded(db_path, event_filter, up_to_id)
        self._task: BackgroundTask | None = None
        bound = self.frozen_filter.up_to_id
        if bound is None:
            self.hide()  # the history cannot be read: the export will say so itself
            return
        frozen = self.frozen_filter

        def work(on_progress: Progress, cancel: threading.Event) -> FrozenRows:
            return freeze_rows(db_path, frozen, bound)

        self._task = BackgroundTask("export-count", work)
        self._task.succeeded.connect(self._on_counted)
        self._task.failed.connect(self._on_count_failed)
        self._task.start()

    def wait(self, timeout: float) -> None:
        """Wait for the count (one COUNT statement: it cannot be interrupted)."""
        if self._task is not None and self._task.running:
            self._task.wait(timeout)

    def _on_counted(self, frozen: FrozenRows) -> None:
        self.frozen = frozen
        when = _local_time(frozen.up_to_received_at) if frozen.up_to_received_at else "now"
        self.setText(
            f"Events up to {when} ({rows_text(frozen.rows)}); newer events are not included."
        )
        self.counted.emit(frozen)

    def _on_count_failed(self, error: Exception) -> None:
        self.setText(f"The matching rows could not be counted: {error}")


def rows_text(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"


def _bounded(db_path: Path, event_filter: EventFilter, up_to_id: int | None) -> EventFilter:
    if up_to_id is None:
        try:
            up_to_id = newest_row_id(db_path)  # one index lookup
        except StoreError as exc:
            log.warning("cannot freeze the export at the newest row: %s", exc)
            return event_filter
    return replace(event_filter, up_to_id=up_to_id)


def _local_time(received_at: str) -> str:
    """A stored UTC time as the operator's clock shows it: the time, with the date if not today."""
    at = datetime.fromisoformat(received_at.replace("Z", "+00:00")).astimezone()
    if at.date() == datetime.now().astimezone().date():
        return f"{at:%H:%M:%S}"
    return f"{at:%Y-%m-%d %H:%M:%S}"
