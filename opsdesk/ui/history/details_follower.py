"""Keeps the history's details pane true to the table: it shows only an event the rows show."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from opsdesk.store.errors import StoreError
from opsdesk.ui.event_details import EventDetailsPane
from opsdesk.ui.history.history_table_model import HistoryTableModel
from opsdesk.ui.history.history_table_view import HistoryTableView
from opsdesk.ui.history.page_reader import PageReader

log = logging.getLogger(__name__)

HIDDEN_BY_FILTER = (
    "The event shown here before is not among the rows of this filter. Select an event to "
    "see its routing, headers and body."
)


class DetailsFollower(QObject):
    """The current row's event in the pane; when new rows come (a filter, a refresh), the
    same event is selected again if they hold it, and the pane is emptied, saying why, if not.

    Qt drops the selection without a signal when the rows are replaced, so without this the
    pane went on showing an event the new filter hides.
    """

    read_failed = Signal(str)  # the event could not be read

    def __init__(
        self,
        model: HistoryTableModel,
        table: HistoryTableView,
        details: EventDetailsPane,
        pages: PageReader,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._table = table
        self._details = details
        self._pages = pages
        self._shown: int | None = None  # the row id whose event the pane shows
        table.current_row_changed.connect(self._on_current_row_changed)
        model.count_changed.connect(self._on_count_changed)

    @property
    def shown_row_id(self) -> int | None:
        return self._shown

    def _on_current_row_changed(self, row_id: int | None) -> None:
        if row_id is None:
            self._shown = None
            self._details.show_event(None)
            return
        try:
            event = self._pages.event(row_id)
        except StoreError as exc:
            self.read_failed.emit(f"Cannot read this event: {exc}")
            return
        self._shown = row_id
        self._details.show_event(event)

    def _on_count_changed(self, _count: int, complete: bool) -> None:
        shown = self._shown
        if shown is None or self._table.current_row_id() == shown:
            return  # nothing shown, or rows came in around it
        row = self._model.row_of(shown)
        if row is not None:
            self._table.selectRow(row)
            self._table.scrollTo(self._model.index(row, 0))
        elif complete:  # every id is known now: the filter really hides it
            self._shown = None
            self._details.show_event(None, note=HIDDEN_BY_FILTER)
