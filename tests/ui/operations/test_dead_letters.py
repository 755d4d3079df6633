"""Dead-letter through the broker's own mechanism, then send the dead letter home, via dialogs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from opsdesk.operations.plan import OperationResult
from opsdesk.operations.send_home import RETRY_HEADER
from opsdesk.ui.operations.browse_table_model import COL_DEATHS, COL_ROUTING_KEY
from opsdesk.ui.operations.plan_view import COL_DESTINATION
from opsdesk.ui.operations.queue_action_dialogs import DeadLetterDialog, SendHomeDialog
from tests.conftest import BrokerObjects
from tests.operations.conftest import dead_letter_wiring, drain, publish_many
from tests.ui.operations.conftest import WAIT_MS, browse

pytestmark = pytest.mark.broker


def _run(qtbot, dialog) -> OperationResult:
    with qtbot.waitSignal(dialog.plan_ready, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.run_button.isEnabled(), dialog.run_button.toolTip()
    with qtbot.waitSignal(dialog.operation_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


def test_dead_letter_the_selected_message_then_send_it_home(
    qtbot, broker: BrokerObjects, unique_name: str, open_browser
) -> None:
    dlx, dlq, work = dead_letter_wiring(broker, unique_name)
    ids = publish_many(broker, work, 3)
    panel = open_browser()
    browse(qtbot, panel, work)
    panel.table.selectRow(1)

    dialog = panel.queue_actions.open_dead_letter()
    assert isinstance(dialog, DeadLetterDialog)
    assert not dialog.selection_form.filter_choice.isVisibleTo(dialog)  # selected or first N
    result = _run(qtbot, dialog)
    assert result.ok and result.done == 1
    assert f"dead-letter exchange '{dlx}'" in dialog.plan_view.text()

    browse(qtbot, panel, dlq)
    assert panel.model.index(0, COL_DEATHS).data() == f"1x rejected in {work}"
    panel.table.selectRow(0)
    home = panel.queue_actions.open_send_home()
    assert isinstance(home, SendHomeDialog)
    assert home.destination_form.queue_edit.text() == work  # pre-filled from x-death
    assert home.own_origin_choice.isChecked()
    result = _run(qtbot, home)
    assert result.ok and result.done == 1
    assert home.plan_view.row_texts(COL_DESTINATION) == [f"queue '{work}'"]

    assert broker.message_count(dlq) == 0
    back = drain(broker, work)
    assert [g.props.message_id for g in back] == [ids[0], ids[2], ids[1]]
    assert back[-1].props.headers[RETRY_HEADER] == 1


def test_park_into_a_new_queue_and_send_home_keep_the_routing_key(
    qtbot, broker: BrokerObjects, unique_name: str, open_browser
) -> None:
    """Finding 7 in the window: the parking queue is created, the routing key survives."""
    key = "payment.settled"
    exchange = broker.exchange(unique_name + ".payments", "topic")
    work = broker.queue(unique_name + ".settlement")  # no dead-letter exchange
    broker.channel.queue_bind(work, exchange, "payment.#")
    parking = broker.track_queue(unique_name + ".parking")  # the dialog creates it
    ids = [f"pay-{i}" for i in range(3)]
    for mid in ids:
        broker.publish(exchange, key, b"{}", message_id=mid)
    panel = open_browser()
    browse(qtbot, panel, work)
    panel.table.selectAll()

    dialog = panel.queue_actions.open_dead_letter()
    assert isinstance(dialog, DeadLetterDialog) and dialog.create_parking.isChecked()
    qtbot.keyClicks(dialog.parking_queue, parking)
    with qtbot.waitSignal(dialog.plan_ready, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert f"queue '{parking}' does not exist: it will be created" in dialog.plan_view.text()
    with qtbot.waitSignal(dialog.operation_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].ok and finished.args[0].done == 3
    dialog.close()

    browse(qtbot, panel, parking)
    rows = range(panel.model.rowCount())
    assert [panel.model.index(r, COL_ROUTING_KEY).data() for r in rows] == [key] * 3
    panel.table.selectAll()
    home = panel.queue_actions.open_send_home()
    assert isinstance(home, SendHomeDialog) and home.own_origin_choice.isChecked()
    result = _run(qtbot, home)
    assert result.ok and result.done == 3
    kept = f"queue '{work}', routing key '{key}' kept"
    assert home.plan_view.row_texts(COL_DESTINATION) == [kept] * 3

    back = drain(broker, work)
    assert [(g.props.message_id, g.routing_key) for g in back] == [(i, key) for i in ids]
    assert broker.message_count(parking) == 0
