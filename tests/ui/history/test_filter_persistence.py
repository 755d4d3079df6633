"""Saved filters and the column layout survive a restart (a new panel on the same settings)."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt

from opsdesk.events.model import Status
from opsdesk.store.event_filter import EventFilter, TimePreset
from opsdesk.ui import event_cells
from opsdesk.ui.settings import UiSettings
from tests.ui.history.conftest import wait_complete


def _reopened(settings_file):
    return UiSettings(QSettings(str(settings_file), QSettings.Format.IniFormat))


def test_a_saved_filter_round_trips_through_the_settings_file(
    qtbot, open_panel, small_history, settings_file
):
    panel = open_panel(small_history)
    bar = panel.filter_bar
    bar.time_combo.setCurrentIndex(bar.time_combo.findData(TimePreset.LAST_HOUR.value))
    bar._status_actions[Status.FAILED].setChecked(True)
    bar.merchant_edit.setText("acme-travel, pixel-games")
    bar.currency_edit.setText("EUR")
    bar.amount_min_edit.setText("12.5")
    bar.text_edit.setText('golf "quoted" 100%')
    bar.apply_now()
    assert panel.saved_filters.save_current("incident 0940")
    panel.shutdown()

    again = open_panel(small_history, _reopened(settings_file))
    assert again.saved_filters.names() == ["incident 0940"]
    applied = []
    again.filter_applied.connect(applied.append)
    assert again.saved_filters.restore("incident 0940")

    restored = applied[-1]
    assert restored.statuses == ("failed",)
    assert restored.merchants == ("acme-travel", "pixel-games")
    assert restored.amount_min == 1250 and restored.currencies == ("EUR",)
    assert restored.text == 'golf "quoted" 100%'
    assert restored.since is not None  # the preset, computed again from the current time
    assert again.filter_bar.current_preset() is TimePreset.LAST_HOUR
    assert again.filter_bar.amount_min_edit.text() == "12.50"
    assert again.filter_bar.status_button.text() == "Status: failed"


def test_a_custom_range_is_saved_as_absolute_times(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    chosen = EventFilter(since="2026-03-02T09:10:00Z", until="2026-03-02T09:20:00Z")
    panel.set_filter(chosen)
    wait_complete(qtbot, panel)
    assert panel.model.rowCount() == 600 // 7 + 1  # one event every 7 s, start inclusive
    assert panel.saved_filters.save_current("ten minutes")
    panel.filter_bar.clear()
    assert panel.saved_filters.restore("ten minutes")
    assert panel.model.filter == chosen
    panel.saved_filters.delete("ten minutes")
    assert panel.saved_filters.names() == []


def test_the_column_choice_and_order_persist(qtbot, open_panel, small_history, settings_file):
    panel = open_panel(small_history)
    table = panel.table
    default = table.shown_columns()
    assert event_cells.COL_EVENT_ID not in default
    table.set_column_shown(event_cells.COL_EVENT_ID, True)
    table.set_column_shown(event_cells.COL_TYPE, False)
    header = table.horizontalHeader()
    header.moveSection(header.visualIndex(event_cells.COL_MERCHANT), 0)
    chosen = table.shown_columns()
    assert chosen[0] == event_cells.COL_MERCHANT
    panel.shutdown()

    again = open_panel(small_history, _reopened(settings_file))
    assert again.table.shown_columns() == chosen
    again.table.reset_columns()
    assert again.table.shown_columns() == default


def test_the_last_shown_column_cannot_be_hidden(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    table = panel.table
    for column in table.shown_columns()[1:]:
        table.set_column_shown(column, False)
    only = table.shown_columns()
    assert len(only) == 1
    table.set_column_shown(only[0], False)
    assert table.shown_columns() == only


def test_the_sort_persists_with_the_columns(qtbot, open_panel, small_history, settings_file):
    panel = open_panel(small_history)
    panel.table.horizontalHeader().setSortIndicator(
        event_cells.COL_MERCHANT, Qt.SortOrder.AscendingOrder
    )
    panel.shutdown()
    again = open_panel(small_history, _reopened(settings_file))
    wait_complete(qtbot, again)
    assert again.model.sort_key == "merchant" and not again.model.descending
    assert again.model.row_at(0).cells[event_cells.COL_MERCHANT] == "acme-travel"
