"""The status bar's "decode errors" opens History on the undecoded events (finding 9)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from opsdesk.ingest.tap_state import TapCounters
from opsdesk.store.event_store import EventStore
from opsdesk.ui.history.history_panel import HistoryPanel
from tests.ui.history.conftest import wait_complete
from tests.ui.running_desk import running_desk, tapless_profile
from tests.ui.sample_events import numbered, payment_event

UNREACHABLE = "amqp://guest:guest@127.0.0.1:1/%2F"


def _undecoded(n: int):
    return replace(
        payment_event(n),
        type=None,
        payment_id=None,
        decode_error="body is not JSON: Expecting value at 0",
        body="not json at all",
        format="raw",
    )


def test_clicking_decode_errors_shows_history_filtered_to_undecoded_events(qtbot, tmp_path):
    db = tmp_path / "history.sqlite"
    with EventStore(db) as store:
        store.insert_batch([*numbered(1, 20), _undecoded(21), _undecoded(22), *numbered(23, 30)])
    with running_desk(qtbot, tapless_profile("offline", UNREACHABLE), db, tmp_path) as desk:
        window = desk.window
        history = window.findChild(HistoryPanel)
        assert window.tabs.currentWidget() is not history
        window.connection_status.show_counters(TapCounters(received=30, stored=30, decode_errors=2))
        button = window.connection_status.decode_errors_button
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

        assert window.tabs.currentWidget() is history
        assert history.filter_bar.undecoded_check.isChecked()
        qtbot.waitUntil(lambda: history.model.filter.decode_errors_only)
        wait_complete(qtbot, history)
        assert history.model.rowCount() == 2
        assert "undecoded only" in history.summary.description.text()
        history.table.selectRow(0)
        assert "Not decoded" in history.details.decode_error_text()
