"""Live: a selected event and the rows in view hold still while new events arrive; Home follows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.journeys.conftest import RunningDesk

pytestmark = pytest.mark.broker


def _follow_text(desk: RunningDesk) -> str:
    labels = desk.window.statusBar().findChildren(QLabel)
    return " ".join(
        label.text() for label in labels if "follow" in label.text() or "‖" in label.text()
    )


def test_a_selected_event_holds_while_new_ones_arrive_and_home_jumps_back(
    desk: RunningDesk,
) -> None:
    op, window = desk.operator, desk.window
    op.open_tab("Live")
    table, model = window.live.table, window.live.model
    op.wait_until(lambda: model.rowCount() >= 30, "30 events in Live")
    assert "following newest" in _follow_text(desk)

    op.click_row(table, 5)
    selected = table.current_event()
    assert selected is not None
    top_before = model.event_at(table.rowAt(0))
    y_before = table.rowViewportPosition(5)
    assert window.live.details.shown_event is selected
    count = model.rowCount()

    op.wait_until(lambda: model.rowCount() >= count + 20, "20 newer events to arrive")
    held = table.current_event()
    assert held is not None and held.event_id == selected.event_id, "the selection moved"
    assert len(table.selectionModel().selectedRows()) == 1
    assert model.event_at(table.rowAt(0)) is top_before, "the rows in view moved"
    row_now = model.rowCount() - count + 5  # the same event, pushed down by the newer ones
    assert model.event_at(row_now) is selected
    assert table.rowViewportPosition(row_now) == y_before, "the selected row moved on screen"
    assert window.live.details.shown_event is selected
    assert "holding" in _follow_text(desk) and "newer above" in _follow_text(desk)

    op.press(Qt.Key.Key_Home)
    assert not table.selectionModel().hasSelection()
    assert table.verticalScrollBar().value() == 0
    assert "following newest" in _follow_text(desk)
    newest = model.event_at(0)
    op.wait_until(lambda: model.event_at(0) is not newest, "a newer event on top")
    assert table.rowAt(0) == 0, "following: the newest event is in view"
