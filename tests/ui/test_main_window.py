import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from opsdesk.ingest.tap_state import TapCounters, TapPhase, TapState
from opsdesk.store.event_store import EventStore
from opsdesk.ui.settings import UiSettings
from opsdesk.ui.tap_bridge import TapBridge
from opsdesk.ui.window_setup import build_main_window
from tests.ui.sample_events import numbered, payment_event

BROKER = "amqp://guest:***@127.0.0.1:5672/%2F"


def _store_events(path: Path, events) -> None:
    with EventStore(path) as store:
        store.insert_batch(events)


@pytest.fixture
def bridge():
    return TapBridge()


@pytest.fixture
def open_window(qtbot, bridge, ui_settings):
    def open_(db_path: Path, settings: UiSettings = ui_settings):
        window = build_main_window(db_path, bridge, settings, broker_label=BROKER)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return open_


def _from_tap_thread(callback, *args) -> None:
    """Call a TapListener method the way the tap does: from another thread."""
    worker = threading.Thread(target=callback, args=args)
    worker.start()
    worker.join()


def test_stored_events_are_shown_at_start_newest_first(open_window, tmp_path):
    db = tmp_path / "history.sqlite"
    _store_events(db, numbered(1, 30))
    window = open_window(db)
    model = window.table.model()
    assert model.rowCount() == 30
    assert model.event_at(0).event_id == "evt-000030"
    assert model.event_at(29).event_id == "evt-000001"
    assert window.banner.isHidden()


def test_no_history_file_yet_shows_an_empty_table(open_window, tmp_path):
    db = tmp_path / "not-yet" / "history.sqlite"
    window = open_window(db)
    assert window.table.model().rowCount() == 0
    assert window.banner.isHidden()
    assert not db.exists()  # the window only reads; the tap creates the file


def test_an_unreadable_history_is_a_message_not_a_crash(open_window, bridge, tmp_path, qtbot):
    db = tmp_path / "history.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    window = open_window(db)
    assert window.banner.isVisible()
    assert "Could not load recent events" in window.banner.text()
    # Live events still arrive.
    _from_tap_thread(bridge.on_stored, numbered(1, 2))
    qtbot.waitUntil(lambda: window.table.model().rowCount() == 2)


def test_selecting_a_row_shows_its_details(open_window, tmp_path, qtbot):
    db = tmp_path / "history.sqlite"
    _store_events(db, numbered(1, 10))
    window = open_window(db)
    assert window.details.shown_event is None
    window.table.selectRow(3)
    assert window.details.shown_event.event_id == "evt-000007"
    assert '"payment_id": "pay_000007"' in window.details.text()
    window.clear_selection_action.trigger()
    assert window.details.shown_event is None


def test_live_events_arrive_through_the_bridge_and_follow_the_top(
    open_window, bridge, tmp_path, qtbot
):
    db = tmp_path / "history.sqlite"
    _store_events(db, numbered(1, 100))
    window = open_window(db)
    table = window.table
    assert table.is_following()

    _from_tap_thread(bridge.on_stored, numbered(101, 105))
    qtbot.waitUntil(lambda: table.model().rowCount() == 105)
    assert table.verticalScrollBar().value() == 0
    assert table.model().event_at(table.rowAt(0)).event_id == "evt-000105"


def test_a_selected_row_stays_put_while_live_events_arrive(open_window, bridge, tmp_path, qtbot):
    db = tmp_path / "history.sqlite"
    _store_events(db, numbered(1, 300))
    window = open_window(db)
    table = window.table
    model = table.model()
    table.selectRow(120)
    table.scrollTo(model.index(120, 0))
    selected_id = model.event_at(120).event_id
    top_id = model.event_at(table.rowAt(0)).event_id
    selected_y = table.rowViewportPosition(120)
    assert not table.is_following()

    for first in (301, 341, 381):
        _from_tap_thread(bridge.on_stored, numbered(first, first + 39))
        qtbot.waitUntil(lambda first=first: model.rowCount() == first + 39)

    now = table.selectionModel().selectedRows()[0].row()
    assert now == 240
    assert model.event_at(now).event_id == selected_id
    assert table.rowViewportPosition(now) == selected_y
    assert model.event_at(table.rowAt(0)).event_id == top_id
    assert window.details.shown_event.event_id == selected_id
    assert table.newer_row_count() > 120


def test_scrolled_away_from_the_top_keeps_the_visible_rows(open_window, bridge, tmp_path, qtbot):
    db = tmp_path / "history.sqlite"
    _store_events(db, numbered(1, 300))
    window = open_window(db)
    table = window.table
    model = table.model()
    table.verticalScrollBar().setValue(table.verticalScrollBar().maximum() // 2)
    top_row = table.rowAt(0)
    top_id = model.event_at(top_row).event_id
    top_y = table.rowViewportPosition(top_row)

    _from_tap_thread(bridge.on_stored, numbered(301, 350))
    qtbot.waitUntil(lambda: model.rowCount() == 350)
    assert model.event_at(table.rowAt(0)).event_id == top_id
    assert table.rowViewportPosition(table.rowAt(0)) == top_y


def test_home_jumps_to_newest_and_resumes_following(open_window, bridge, tmp_path, qtbot):
    db = tmp_path / "history.sqlite"
    _store_events(db, numbered(1, 200))
    window = open_window(db)
    table = window.table
    window.windowHandle().requestActivate()
    qtbot.waitUntil(window.isActiveWindow)
    table.setFocus()
    table.selectRow(150)
    table.scrollTo(table.model().index(150, 0))
    assert table.verticalScrollBar().value() > 0

    qtbot.keyClick(table, Qt.Key.Key_Home)
    assert table.verticalScrollBar().value() == 0
    assert not table.selectionModel().hasSelection()
    assert table.is_following()

    table.selectRow(5)
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    assert not table.selectionModel().hasSelection()


def test_tap_state_and_counters_show_in_the_status_bar(open_window, bridge, tmp_path, qtbot):
    window = open_window(tmp_path / "history.sqlite")
    status = window.connection_status
    _from_tap_thread(bridge.on_state, TapState(TapPhase.CONNECTED, BROKER))
    _from_tap_thread(bridge.on_counters, TapCounters(received=7, stored=6, duplicates=1))
    qtbot.waitUntil(lambda: status.phase_text() == f"connected to {BROKER}")
    qtbot.waitUntil(lambda: "received 7" in status.counters_text())

    _from_tap_thread(bridge.on_state, TapState(TapPhase.STOPPED, "disk I/O error"))
    qtbot.waitUntil(lambda: window.banner.isVisible())
    assert "disk I/O error" in window.banner.text()


def test_layout_persists_across_runs(qtbot, bridge, settings_file, tmp_path):
    db = tmp_path / "history.sqlite"

    def settings():
        return UiSettings(QSettings(str(settings_file), QSettings.Format.IniFormat))

    first = build_main_window(db, bridge, settings(), broker_label=BROKER)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.resize(731, 517)
    first.splitter.setSizes([300, 150])
    first.details.splitter.setSizes([200, 500])
    first.table.setColumnWidth(2, 321)
    qtbot.waitUntil(lambda: first.size().width() == 731)
    sizes = first.splitter.sizes()
    details_sizes = first.details.splitter.sizes()
    first.close()

    second = build_main_window(db, bridge, settings(), broker_label=BROKER)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert (second.width(), second.height()) == (731, 517)
    assert second.splitter.sizes() == sizes
    assert second.details.splitter.sizes() == details_sizes
    assert second.table.columnWidth(2) == 321


def test_live_row_cap_comes_from_the_settings(qtbot, bridge, ui_settings, tmp_path):
    ui_settings.live_row_cap = 150
    db = tmp_path / "history.sqlite"
    _store_events(db, numbered(1, 400))
    window = build_main_window(db, bridge, ui_settings, broker_label=BROKER)
    qtbot.addWidget(window)
    model = window.table.model()
    assert model.row_cap == 150
    assert model.rowCount() == 150
    model.append_live([payment_event(401)])
    model.flush()
    assert model.rowCount() == 150
    assert model.event_at(0).event_id == "evt-000401"


def test_quit_action_closes_the_window(open_window, tmp_path, qtbot):
    window = open_window(tmp_path / "history.sqlite")
    assert "Ctrl+Q" in [s.toString() for s in window.quit_action.shortcuts()]
    window.quit_action.trigger()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert QApplication.instance() is not None


def test_copy_details_and_about(open_window, tmp_path, qtbot):
    db = tmp_path / "history.sqlite"
    _store_events(db, numbered(1, 3))
    window = open_window(db)
    window.table.selectRow(0)
    window.copy_details_action.trigger()
    copied = QApplication.clipboard().text()
    assert "evt-000003" in copied and '"payment_id": "pay_000003"' in copied

    window.about_action.trigger()
    about = window.findChild(QMessageBox)
    qtbot.waitUntil(about.isVisible)
    assert "opsdesk" in about.text()
    about.accept()


def test_a_crowded_status_bar_keeps_the_counters_whole(open_window, bridge, tmp_path, qtbot):
    """At the default width, with the DEMO badge and a held selection, the counters were cut
    to 'received 456 · stored 456 · dupli' (seen under Xvfb); the connection text gives way."""
    window = open_window(tmp_path / "history.sqlite")
    window.resize(1280, 780)
    window.show_demo("payments.events")
    long_label = "amqp://operations-user:***@rabbit-01.payments.internal.example:5671/prod"
    _from_tap_thread(bridge.on_state, TapState(TapPhase.CONNECTED, long_label))
    counters = TapCounters(received=123_456, stored=123_450, duplicates=6, decode_errors=3)
    _from_tap_thread(bridge.on_counters, counters)
    window.table.follow_state_changed.emit(False, 1234)
    status = window.connection_status
    qtbot.waitUntil(lambda: "received 123,456" in status.counters_text())
    label = status._counters
    qtbot.waitUntil(lambda: label.width() >= label.sizeHint().width())
    assert status.phase_text() == f"connected to {long_label}", "whole in text and tooltip"
