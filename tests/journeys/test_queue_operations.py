"""Queues: browse, move selected messages, dead-letter to a parking queue and send them home.

The simulator's settlement queue fills with payment.succeeded events nobody consumes: the
stuck messages an operator unsticks. Each step is checked on the real broker by message id
and routing key.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from opsdesk.operations.plan import Plan
from opsdesk.ui.operations.operation_dialog import OperationDialog
from opsdesk.ui.operations.queue_action_dialogs import DeadLetterDialog, MoveDialog, SendHomeDialog
from opsdesk.ui.operations.queue_browser_panel import QueueBrowserPanel
from tests.conftest import BrokerObjects, poll_until
from tests.journeys.conftest import JourneyBroker, RunningDesk
from tests.operations.conftest import Got, drain, peek_all

pytestmark = pytest.mark.broker

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
SETTLED = "payment.succeeded"  # the settlement queue's binding: every message's routing key


def browse(desk: RunningDesk, queue: str) -> QueueBrowserPanel:
    """Queues tab, the queue's name typed, Enter; the first page shown."""
    op = desk.operator
    panel = op.open_tab("Queues")
    assert isinstance(panel, QueueBrowserPanel)
    edit = panel.queue_box.lineEdit()
    assert edit is not None
    op.type_text(edit, queue)
    result = op.wait_for(
        panel.browsed,
        f"{queue} browsed",
        lambda: op.press(Qt.Key.Key_Return, widget=edit),
        check=lambda r: r.queue == queue,
    )[0]
    assert panel.model.rowCount() == len(result.messages)
    assert result.queue in panel.result_label.text()
    return panel


def run_through(desk: RunningDesk, dialog: OperationDialog) -> Plan:
    """Preview, read, type the confirmation when asked, Run; the plan that ran."""
    op = desk.operator
    op.click(dialog.preview_button)
    op.wait_until(
        lambda: dialog.plan is not None or dialog.status.text().startswith("Cannot plan"),
        "the plan, or why there is none",
    )
    plan = dialog.plan
    assert plan is not None, dialog.status.text()
    if dialog.confirmation.required:
        op.type_text(dialog.confirmation.edit, plan.confirmation_text or "")
    result = op.wait_for(
        dialog.operation_finished, "the operation to finish", lambda: op.click(dialog.run_button)
    )[0]
    assert result.ok, dialog.execution.status.text()
    assert result.audit_id is not None
    op.press(Qt.Key.Key_Escape, widget=dialog.close_button)
    op.wait_until(lambda: not dialog.isVisible(), "Esc to close the dialog")
    op.settle()
    return plan


def select_rows(desk: RunningDesk, panel: QueueBrowserPanel, rows: list[int]) -> list[str]:
    """Click the first row, Ctrl+click the others; the selected messages' ids."""
    op = desk.operator
    op.click_row(panel.table, rows[0])
    for row in rows[1:]:
        op.click_row(panel.table, row, CTRL)
    selected = panel.selected_messages()
    assert [m.position for m in selected] == rows
    assert f"{len(rows)} selected" in panel.result_label.text()
    return [m.message_id or "" for m in selected]


def wait_for_stuck(broker: BrokerObjects, queue: str, count: int) -> None:
    poll_until(
        lambda: broker.message_count(queue) >= count,
        timeout=30,
        failure=f"{count} messages stuck in {queue}",
    )


def ids_in(got: list[Got]) -> list[str]:
    return [g.props.message_id for g in got]


def test_browse_a_queue_and_move_selected_messages(
    desk: RunningDesk, journey_broker: JourneyBroker, broker: BrokerObjects
) -> None:
    op = desk.operator
    settlement = journey_broker.topology.stuck_queue
    review = broker.queue(f"{journey_broker.tap_queue}.review")
    wait_for_stuck(broker, settlement, 6)
    panel = browse(desk, settlement)
    shown = [m.message_id for m in panel.model.messages()]
    assert len(shown) >= 6 and all(shown)
    assert {m.routing_key for m in panel.model.messages()} == {SETTLED}

    moved = select_rows(desk, panel, [1, 3, 4])
    op.click(panel.queue_actions.move_button)
    dialog = panel.findChild(MoveDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.selection_form.selected_choice.isChecked()
    op.type_text(dialog.destination_form.queue_edit, review)
    plan = run_through(desk, dialog)
    assert [i.key for i in plan.items] == moved or plan.count == len(moved)

    arrived = drain(broker, review)
    assert ids_in(arrived) == moved
    browsed = {m.message_id: m for m in panel.model.messages()}
    assert all(
        g.props.app_id == browsed[g.props.message_id].properties.get("app_id") for g in arrived
    )
    left = ids_in(peek_all(broker, settlement))
    assert not set(moved) & set(left), "a moved message is still in the settlement queue"
    assert [shown[0], shown[2], shown[5]] == [i for i in left if i in shown[:6]]
    assert "Browse again" in panel.result_label.text()


def test_dead_letter_to_a_new_parking_queue_and_send_them_home(
    desk: RunningDesk, journey_broker: JourneyBroker, broker: BrokerObjects
) -> None:
    """Finding 7 of issue 9: parking needed an existing queue and lost the routing key."""
    op = desk.operator
    settlement = journey_broker.topology.stuck_queue
    parking = broker.track_queue(f"{journey_broker.tap_queue}.parking")  # the window creates it
    wait_for_stuck(broker, settlement, 4)
    panel = browse(desk, settlement)
    op.click_row(panel.table, 0)
    op.click_row(panel.table, 2, SHIFT)
    parked = [m.message_id or "" for m in panel.selected_messages()]
    assert len(parked) == 3

    op.click(panel.queue_actions.dead_letter_button)
    dialog = panel.findChild(DeadLetterDialog)
    assert dialog is not None and dialog.isVisible()
    op.type_text(dialog.parking_queue, parking)
    run_through(desk, dialog)
    in_parking = peek_all(broker, parking)
    assert ids_in(in_parking) == parked
    assert [g.routing_key for g in in_parking] == [SETTLED] * 3, "parking kept the routing key"

    panel = browse(desk, parking)
    assert [m.message_id for m in panel.model.messages()] == parked
    op.press(Qt.Key.Key_A, CTRL, widget=panel.table)
    assert len(panel.selected_messages()) == 3
    op.click(panel.queue_actions.send_home_button)
    home = panel.findChild(SendHomeDialog)
    assert home is not None and home.isVisible()
    assert home.own_origin_choice.isChecked()  # where each came from
    run_through(desk, home)

    assert broker.message_count(parking) == 0
    back = [g for g in drain(broker, settlement) if g.props.message_id in parked]
    assert sorted(ids_in(back)) == sorted(parked), "every parked message is home"
    assert [g.routing_key for g in back] == [SETTLED] * 3, "home with its routing key"
