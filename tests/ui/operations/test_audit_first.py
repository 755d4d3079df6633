"""Audit first, in the window: Run with a history that cannot be written touches nothing.

Each dialog is previewed while the history is fine; the history is then spoiled and Run is
clicked, as an operator would after the disk filled or the file was replaced. The queues are
then checked message id by message id. A preview made with the history already spoiled says
so and offers no Run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from opsdesk.store.audit import AuditLog
from opsdesk.ui.operations.operation_dialog import OperationDialog
from opsdesk.ui.operations.replay_dialog import open_replay_dialog
from tests.conftest import BrokerObjects
from tests.operations.conftest import dead_letter_wiring, make_profile, peek_all, publish_many
from tests.operations.test_audit_first import SPOILERS, dead_letters, spoil_garbage
from tests.ui.operations.conftest import WAIT_MS, browse, payment_event, store_events

pytestmark = pytest.mark.broker


@pytest.fixture(params=sorted(SPOILERS))
def spoil(request: pytest.FixtureRequest) -> Callable[[Path], None]:
    return SPOILERS[request.param]


def ids_in(broker: BrokerObjects, queue: str) -> list[str | None]:
    return [g.props.message_id for g in peek_all(broker, queue)]


def fine_history(db_path: Path) -> None:
    with AuditLog(db_path) as audit:
        audit.record("export", operator="earlier", outcome="ok")


def preview(qtbot, dialog: OperationDialog) -> None:
    with qtbot.waitSignal(dialog.plan_ready, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)


def run_refused(qtbot, dialog: OperationDialog) -> None:
    """Run is offered (the plan was made while the history was fine) and then refused."""
    assert dialog.plan is not None and dialog.plan.audit_problem is None
    if dialog.confirmation.required:
        qtbot.keyClicks(dialog.confirmation.edit, dialog.plan.confirmation_text)
    assert dialog.run_button.isEnabled(), dialog.run_button.toolTip()
    with qtbot.waitSignal(dialog.execution.failed, timeout=WAIT_MS) as failed:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert "audit" in failed.args[0] and "nothing was touched" in failed.args[0]
    assert "Not done" in dialog.status.text() and "audit" in dialog.status.text()
    assert dialog.execution.result is None


def test_move_dead_letter_and_purge_are_refused(
    qtbot, broker: BrokerObjects, unique_name: str, open_browser, db_path: Path, spoil
) -> None:
    _dlx, dlq, work = dead_letter_wiring(broker, unique_name)
    other = broker.queue(unique_name + ".other")
    ids = publish_many(broker, work, 3)
    fine_history(db_path)
    panel = open_browser()
    browse(qtbot, panel, work)
    panel.table.selectRow(0)

    move = panel.queue_actions.open_move()
    assert move is not None
    move.destination_form.queue_edit.setText(other)
    preview(qtbot, move)
    spoil(db_path)
    run_refused(qtbot, move)
    move.close()

    fine_history_again(db_path)
    dead_letter = panel.queue_actions.open_dead_letter()
    assert dead_letter is not None
    preview(qtbot, dead_letter)
    spoil(db_path)
    run_refused(qtbot, dead_letter)
    dead_letter.close()

    fine_history_again(db_path)
    purge = panel.queue_actions.open_purge()
    assert purge is not None
    qtbot.waitUntil(lambda: purge.plan is not None, timeout=WAIT_MS)
    spoil(db_path)
    run_refused(qtbot, purge)
    purge.close()

    assert ids_in(broker, work) == ids
    assert ids_in(broker, dlq) == [] and ids_in(broker, other) == []


def fine_history_again(db_path: Path) -> None:
    from tests.operations.test_audit_first import remove_history

    remove_history(db_path)
    fine_history(db_path)


def test_send_dead_letters_home_is_refused(
    qtbot, broker: BrokerObjects, unique_name: str, open_browser, db_path: Path, spoil
) -> None:
    """Finding 4, in the window: Send Dead Letters Home ran without its audit record."""
    work, dlq, ids = dead_letters(broker, unique_name)
    fine_history(db_path)
    panel = open_browser()
    browse(qtbot, panel, dlq)
    dialog = panel.queue_actions.open_send_home()
    assert dialog is not None
    preview(qtbot, dialog)
    spoil(db_path)
    run_refused(qtbot, dialog)
    assert ids_in(broker, dlq) == ids and ids_in(broker, work) == []


def test_replay_is_refused(
    qtbot, broker: BrokerObjects, payments: tuple[str, str], db_path: Path, spoil
) -> None:
    exchange, queue = payments
    event = payment_event("evt-1", exchange)
    store_events(db_path, event)
    dialog = open_replay_dialog(None, make_profile(), db_path, [event])
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.reason, "PSP outage")
    preview(qtbot, dialog)
    spoil(db_path)
    run_refused(qtbot, dialog)
    assert ids_in(broker, queue) == []


def test_a_preview_with_an_unwritable_audit_log_offers_no_run(
    qtbot, broker: BrokerObjects, queues, open_browser, db_path: Path
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 2)
    panel = open_browser()
    browse(qtbot, panel, source)
    spoil_garbage(db_path)
    dialog = panel.queue_actions.open_move()
    assert dialog is not None
    dialog.destination_form.queue_edit.setText(target)
    preview(qtbot, dialog)
    assert dialog.plan is not None and dialog.plan.audit_problem
    assert "cannot run" in dialog.status.text() and "audit log" in dialog.status.text()
    assert not dialog.run_button.isEnabled()
    assert "audit log cannot be written" in dialog.run_button.toolTip()
    assert ids_in(broker, source) == ids and ids_in(broker, target) == []


def test_an_audit_export_that_cannot_be_recorded_writes_no_file(
    qtbot, db_path: Path, tmp_path: Path
) -> None:
    from opsdesk.ui.operations.audit_panel import AuditPanel

    fine_history(db_path)
    panel = AuditPanel(db_path, operator="tester")
    qtbot.addWidget(panel)
    out = tmp_path / "exports" / "audit.csv"
    out.parent.mkdir()
    try:
        with qtbot.waitSignal(panel.records_shown, timeout=WAIT_MS):
            panel.refresh()
        assert panel.model.rowCount() == 1
        spoil_garbage(db_path)
        panel.export_csv(out)
        qtbot.waitUntil(lambda: "Export failed" in panel.banner.text(), timeout=WAIT_MS)
        assert list(out.parent.iterdir()) == []  # neither the file nor a leftover part
        assert "no file was written" in panel.banner.text()
    finally:
        panel.shutdown()
