"""Move, purge, cancel through the dialogs, driven like an operator would, on the real broker."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from opsdesk.store.audit import AuditLog
from opsdesk.ui.operations.execution_view import COL_MESSAGE as OUTCOME_MESSAGE
from opsdesk.ui.operations.execution_view import COL_STATUS
from opsdesk.ui.operations.queue_action_dialogs import MoveDialog, PurgeDialog
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, publish_many
from tests.ui.operations.conftest import WAIT_MS, browse

pytestmark = pytest.mark.broker


def _click(qtbot, button) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _preview(qtbot, dialog) -> None:
    with qtbot.waitSignal(dialog.plan_ready, timeout=WAIT_MS):
        _click(qtbot, dialog.preview_button)


def _select_rows(panel, rows: list[int]) -> None:
    selection = panel.table.selectionModel()
    flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
    for row in rows:
        selection.select(panel.model.index(row, 0), flags)


def test_move_of_two_selected_messages_through_preview_and_confirm(
    qtbot, broker: BrokerObjects, queues, open_browser, db_path
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 5)
    panel = open_browser()
    browse(qtbot, panel, source)
    _select_rows(panel, [1, 3])
    _click(qtbot, panel.queue_actions.move_button)
    dialog = panel.queue_actions.dialog
    assert isinstance(dialog, MoveDialog) and dialog.isVisible()
    assert dialog.selection_form.selected_choice.isChecked()
    assert not dialog.run_button.isEnabled()  # nothing to confirm before a preview
    qtbot.keyClicks(dialog.destination_form.queue_edit, target)

    _preview(qtbot, dialog)
    summary = dialog.plan_view.text()
    assert f"Move up to 2 message(s) from {source}" in summary and f"queue '{target}'" in summary
    assert dialog.plan_view.row_texts(0) == [ids[1], ids[3]]
    assert dialog.confirmation.isHidden()  # 2 messages: no typed confirmation
    assert dialog.run_button.text() == "Move up to 2 message(s)"
    assert broker.message_count(target) == 0  # a preview touches nothing

    with qtbot.waitSignal(panel.operation_finished, timeout=WAIT_MS) as finished:
        _click(qtbot, dialog.run_button)
    result = finished.args[0]
    assert result.ok and result.done == 2 and result.audit_id is not None
    assert dialog.execution.outcome_texts(OUTCOME_MESSAGE) == [ids[1], ids[3]]
    assert dialog.execution.outcome_texts(COL_STATUS) == ["done", "done"]
    assert f"audit record #{result.audit_id}" in dialog.execution.status.text()
    assert not dialog.run_button.isEnabled()  # one confirmation, one run
    assert "Browse again" in panel.result_label.text()

    assert [g.props.message_id for g in drain(broker, target)] == [ids[1], ids[3]]
    assert [g.props.message_id for g in drain(broker, source)] == [ids[0], ids[2], ids[4]]
    with AuditLog(db_path, readonly=True) as audit:
        record, intent = audit.records(action="move")
    assert intent.outcome == "started" and intent.detail["selection"]
    assert record.id == result.audit_id and set(record.message_ids) == {ids[1], ids[3]}


def test_changing_the_choices_after_a_preview_needs_a_new_preview(
    qtbot, broker: BrokerObjects, queues, open_browser
) -> None:
    source, target = queues
    publish_many(broker, source, 3)
    panel = open_browser()
    browse(qtbot, panel, source)
    dialog = panel.queue_actions.open_move()
    dialog.destination_form.queue_edit.setText(target)
    _preview(qtbot, dialog)
    assert dialog.run_button.isEnabled()
    dialog.selection_form.first_count.setValue(2)
    assert dialog.plan is None and not dialog.run_button.isEnabled()
    assert "Preview again" in dialog.plan_view.text()


def test_a_plan_that_cannot_be_made_is_explained(
    qtbot, broker: BrokerObjects, queues, open_browser
) -> None:
    source, _ = queues
    publish_many(broker, source, 1)
    panel = open_browser()
    browse(qtbot, panel, source)
    dialog = panel.queue_actions.open_move()
    _click(qtbot, dialog.preview_button)
    assert "Name the destination queue" in dialog.status.text()
    dialog.destination_form.queue_edit.setText(source + ".nowhere")
    _click(qtbot, dialog.preview_button)
    qtbot.waitUntil(lambda: "does not exist" in dialog.status.text(), timeout=WAIT_MS)
    assert not dialog.run_button.isEnabled()
    assert broker.message_count(source) == 1


def test_more_than_100_messages_need_the_count_typed(
    qtbot, broker: BrokerObjects, queues, open_browser
) -> None:
    source, target = queues
    publish_many(broker, source, 101)
    panel = open_browser()
    browse(qtbot, panel, source)
    dialog = panel.queue_actions.open_move()
    dialog.selection_form.filter_choice.setChecked(True)  # every message, no condition
    dialog.destination_form.queue_edit.setText(target)
    _preview(qtbot, dialog)
    assert not dialog.confirmation.isHidden()
    assert "type the count: 101" in dialog.confirmation.prompt.text()
    assert not dialog.run_button.isEnabled()
    qtbot.keyClicks(dialog.confirmation.edit, "100")
    assert not dialog.run_button.isEnabled()
    dialog.confirmation.edit.clear()
    qtbot.keyClicks(dialog.confirmation.edit, "101")
    assert dialog.run_button.isEnabled()
    assert broker.message_count(source) == 101 and broker.message_count(target) == 0


def test_purge_needs_the_queue_name_typed(
    qtbot, broker: BrokerObjects, queues, open_browser, db_path
) -> None:
    source, _ = queues
    publish_many(broker, source, 3)
    panel = open_browser()
    browse(qtbot, panel, source)
    _click(qtbot, panel.queue_actions.purge_button)
    dialog = panel.queue_actions.dialog
    assert isinstance(dialog, PurgeDialog)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=WAIT_MS)  # previewed on open
    assert "nothing is kept" in dialog.plan_view.text()
    assert not dialog.confirmation.isHidden() and not dialog.run_button.isEnabled()
    qtbot.keyClicks(dialog.confirmation.edit, "3")
    assert not dialog.run_button.isEnabled()
    dialog.confirmation.edit.clear()
    qtbot.keyClicks(dialog.confirmation.edit, source)
    assert dialog.run_button.isEnabled()
    with qtbot.waitSignal(dialog.operation_finished, timeout=WAIT_MS) as finished:
        _click(qtbot, dialog.run_button)
    assert finished.args[0].examined == 3
    assert broker.message_count(source) == 0
    with AuditLog(db_path, readonly=True) as audit:
        record, _intent = audit.records(action="purge")
    assert record.count == 3 and record.source == source


def test_cancel_mid_way_loses_and_duplicates_nothing(
    qtbot, broker: BrokerObjects, queues, open_browser
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 40)
    panel = open_browser()
    browse(qtbot, panel, source)
    dialog = panel.queue_actions.open_move()
    dialog.selection_form.first_count.setValue(40)
    dialog.destination_form.queue_edit.setText(target)
    dialog.execution.rate_limit.setValue(20)  # two seconds for all: time to cancel
    _preview(qtbot, dialog)
    _click(qtbot, dialog.run_button)
    assert dialog.running and not dialog.cancel_button.isHidden()
    assert not dialog.close_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.execution.progress.value() >= 3, timeout=WAIT_MS)
    with qtbot.waitSignal(dialog.operation_finished, timeout=WAIT_MS) as finished:
        _click(qtbot, dialog.cancel_button)
    result = finished.args[0]
    assert result.cancelled and 3 <= result.done < 40
    assert "Cancelled" in dialog.execution.status.text()
    assert dialog.close_button.isEnabled()

    moved = [g.props.message_id for g in drain(broker, target)]
    left = [g.props.message_id for g in drain(broker, source)]
    assert len(moved) == result.done
    assert sorted(moved + left) == ids  # every message once: none lost, none doubled
    assert moved == ids[: len(moved)] and left == ids[len(moved) :]


def test_move_to_an_unbound_routing_key_shows_why_and_keeps_every_message(
    qtbot, broker: BrokerObjects, queues, open_browser, unique_name: str
) -> None:
    source, _ = queues
    exchange = broker.exchange(unique_name + ".nowhere", "topic")  # no bindings
    ids = publish_many(broker, source, 3)
    panel = open_browser()
    browse(qtbot, panel, source)
    dialog = panel.queue_actions.open_move()
    dialog.selection_form.first_count.setValue(3)
    dialog.destination_form.exchange_choice.setChecked(True)
    dialog.destination_form.exchange_edit.setText(exchange)
    dialog.destination_form.routing_key_edit.setText("payment.lost")
    _preview(qtbot, dialog)
    with qtbot.waitSignal(dialog.operation_finished, timeout=WAIT_MS) as finished:
        _click(qtbot, dialog.run_button)
    result = finished.args[0]
    assert not result.ok and result.done == 0
    assert dialog.execution.outcome_texts(COL_STATUS) == ["unroutable"] * 3
    assert "0 done, 3 not done" in dialog.execution.status.text()
    assert [g.props.message_id for g in drain(broker, source)] == ids
