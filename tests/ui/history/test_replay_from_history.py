"""Replay a failed event selected in the history table, through the confirmation dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from opsdesk.operations.replay import REPLAY_OF
from opsdesk.store.audit import AuditLog
from opsdesk.ui.operations.replay_dialog import open_replay_dialog
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, make_profile
from tests.ui.history.conftest import wait_complete
from tests.ui.operations.conftest import WAIT_MS, payment_event, store_events

pytestmark = pytest.mark.broker


def test_replaying_a_selected_failed_event_publishes_it_and_audits(
    qtbot, open_panel, broker: BrokerObjects, payments: tuple[str, str], tmp_path: Path
) -> None:
    exchange, queue = payments
    db_path = tmp_path / "history.sqlite"
    store_events(db_path, payment_event("evt-failed-1", exchange))
    panel = open_panel(db_path)
    wait_complete(qtbot, panel)
    dialogs = []
    panel.replay_requested.connect(
        lambda events: dialogs.append(open_replay_dialog(panel, make_profile(), db_path, events))
    )

    panel.table.selectRow(0)
    panel.replay_action.trigger()
    qtbot.waitUntil(lambda: len(dialogs) == 1)
    dialog = dialogs[0]
    qtbot.addWidget(dialog)  # closed after the test, which ends its worker threads
    qtbot.keyClicks(dialog.reason, "gateway timeout, PSP recovered")
    with qtbot.waitSignal(dialog.plan_ready, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.run_button.isEnabled()
    with qtbot.waitSignal(dialog.operation_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].ok

    (got,) = drain(broker, queue)
    assert got.props.headers[REPLAY_OF] == "evt-failed-1"
    with AuditLog(db_path, readonly=True) as audit:
        record, _intent = audit.records(action="replay")  # outcome, then the intent before it
    assert record.message_ids == ("evt-failed-1",)
    assert record.detail["reason"] == "gateway timeout, PSP recovered"
