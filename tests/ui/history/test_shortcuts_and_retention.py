"""Keyboard shortcuts of the panel, and the retention dialog on a real file."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from opsdesk.store.event_query import EventQuery
from opsdesk.store.event_store import EventStore
from opsdesk.ui.history.retention_dialog import RetentionDialog
from tests.ui.history.conftest import event, write_history


def test_ctrl_f_focuses_the_search_field(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.filter_bar.text_edit.hasFocus()


def test_the_saved_filter_menu_lists_what_is_stored(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    panel.filter_bar.merchant_edit.setText("acme-travel")
    panel.filter_bar.apply_now()
    panel.saved_filters.save_current("b acme")
    panel.saved_filters.save_current("A acme")
    menu = panel.saved_filters.menu
    menu.aboutToShow.emit()
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:2] == ["A acme", "b acme"]
    assert "Save Current Filter…" in texts


def test_retention_shows_the_file_and_prunes_by_age(qtbot, ui_settings, tmp_path):
    db = tmp_path / "history.sqlite"
    write_history(db, 0, 30)  # 2026-03-02 09:00:00 onwards, one event every 7 s
    with EventStore(db) as store:  # and one from long ago
        store.insert_batch([event(30, first=30, start=datetime(2020, 1, 1, tzinfo=UTC))])
    dialog = RetentionDialog(db, ui_settings)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.running)
    assert dialog.oldest_label.text() == "2020-01-01 00:00:00.000 UTC"
    assert "about 31 events" in dialog.size_label.text()

    dialog.keep_days.setValue(365 * 3)
    assert ui_settings.retention_keep_days == 365 * 3
    with qtbot.waitSignal(dialog.pruned, timeout=10_000) as pruned:
        dialog.prune_button.click()
    assert pruned.args[0].deleted_by_age == 1
    qtbot.waitUntil(lambda: dialog.oldest_label.text().startswith("2026-03-02 09:00:00"))
    assert dialog.status.text() == "Removed 1 event (1 by age, 0 by size)."
    with EventQuery(db) as query:
        assert query.max_id() == 30 and query.file_stats().count_estimate == 30


def test_prune_needs_a_limit(qtbot, ui_settings, small_history):
    dialog = RetentionDialog(small_history, ui_settings)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.running)
    dialog.prune_now()
    assert not dialog.running
    assert "Set a limit first" in dialog.status.text()


def test_compact_asks_once_more_then_runs(qtbot, ui_settings, small_history):
    dialog = RetentionDialog(small_history, ui_settings)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.running)
    dialog.compact_button.click()
    assert dialog.compact_button.text() == "Confirm Compact" and not dialog.running
    with qtbot.waitSignal(dialog.compacted, timeout=20_000):
        dialog.compact_button.click()
    qtbot.waitUntil(lambda: not dialog.running)  # the file is read again afterwards
    assert dialog.status.text() == "Compacted."
