"""The queue overview against the real broker: queues of the three types with the figures
the broker reports, who consumes one of them, and what its row opens."""

from __future__ import annotations

import pika
import pytest
from PySide6.QtCore import Qt

from opsdesk.ui.broker.consumers_model import COL_ACK, COL_CLIENT, COL_PREFETCH
from opsdesk.ui.broker.queue_overview_model import (
    COL_CONSUMERS,
    COL_DLX,
    COL_PUBLISH,
    COL_READY,
    COL_TYPE,
)
from opsdesk.ui.operations.queue_action_dialogs import DeadLetterDialog, MoveDialog
from tests.conftest import BROKER_URL
from tests.ui.broker.conftest import broker_profile

pytestmark = pytest.mark.broker

WAIT_MS = 25_000  # the management API's statistics are emitted every 5 s


def _cell(model, name: str, column: int, role=Qt.ItemDataRole.DisplayRole):
    row = model.row_of(name)
    return None if row is None else model.data(model.index(row, column), role)


def test_queues_of_three_types_with_their_figures_and_consumers(
    open_panel, broker, unique_name, qtbot
):
    classic = broker.queue(f"{unique_name}.classic", **{"x-dead-letter-exchange": "amq.fanout"})
    quorum = broker.queue(f"{unique_name}.quorum", **{"x-queue-type": "quorum"})
    stream = broker.queue(f"{unique_name}.stream", **{"x-queue-type": "stream"})
    for number in range(3):
        broker.publish("", classic, f"c{number}".encode())
    for number in range(2):
        broker.publish("", quorum, f"q{number}".encode())

    panel = open_panel()
    overview = panel.overview
    qtbot.keyClicks(overview.filter_edit, unique_name)
    model = overview.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=WAIT_MS)
    assert {_cell(model, q, COL_TYPE) for q in (classic, quorum, stream)} == {
        "classic",
        "quorum",
        "stream",
    }
    qtbot.waitUntil(
        lambda: _cell(model, classic, COL_READY) == "3" and _cell(model, quorum, COL_READY) == "2",
        timeout=WAIT_MS,
    )
    assert _cell(model, classic, COL_DLX) == "amq.fanout"
    assert _cell(model, quorum, COL_DLX) == ""
    assert "management API" in _cell(model, classic, COL_PUBLISH, Qt.ItemDataRole.ToolTipRole)
    assert overview.age.text().startswith("as of ")
    assert not overview.age.stale

    # A consumer with a name, a prefetch and manual acks: the consumers below say so.
    parameters = pika.URLParameters(BROKER_URL)
    parameters.client_properties = {"connection_name": f"{unique_name}-worker"}
    consumer = pika.BlockingConnection(parameters)
    try:
        channel = consumer.channel()
        channel.basic_qos(prefetch_count=7)
        channel.basic_consume(classic, lambda *_: None)
        assert overview.choose(classic)
        consumers = panel.consumers
        assert consumers.title.text() == f"Consumers of {classic}"
        qtbot.waitUntil(lambda: consumers.model.rowCount() == 1, timeout=WAIT_MS)
        cells = consumers.model
        index = cells.index(0, COL_CLIENT)
        assert cells.data(index) == f"{unique_name}-worker"
        assert cells.data(cells.index(0, COL_PREFETCH)) == "7"
        assert cells.data(cells.index(0, COL_ACK)) == "manual"
        assert consumers.age.text().startswith("as of ")
        qtbot.waitUntil(lambda: _cell(model, classic, COL_CONSUMERS) == "1", timeout=WAIT_MS)
    finally:
        consumer.close()


def test_a_row_opens_move_dead_letter_and_its_depth_chart(open_panel, broker, unique_name, qtbot):
    queue = broker.queue(f"{unique_name}.parked")
    panel = open_panel()
    overview = panel.overview
    qtbot.keyClicks(overview.filter_edit, unique_name)
    qtbot.waitUntil(lambda: overview.model.rowCount() == 1, timeout=WAIT_MS)
    assert not overview.move_button.isEnabled()  # nothing chosen yet
    assert overview.choose(queue)

    qtbot.mouseClick(overview.move_button, Qt.MouseButton.LeftButton)
    dialog = panel.row_actions.actions.dialog
    assert isinstance(dialog, MoveDialog) and dialog.queue == queue
    dialog.close()
    qtbot.mouseClick(overview.dead_letter_button, Qt.MouseButton.LeftButton)
    dialog = panel.row_actions.actions.dialog
    assert isinstance(dialog, DeadLetterDialog) and dialog.queue == queue
    dialog.close()

    cell = overview.table.visualRect(overview.model.index(0, 0)).center()
    with qtbot.waitSignal(overview.browse_requested) as browse:
        # A double click as Qt sees one: a click, then the second press.
        qtbot.mouseClick(overview.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        qtbot.mouseDClick(overview.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert browse.args == [queue]

    qtbot.mouseClick(overview.chart_button, Qt.MouseButton.LeftButton)
    chart = panel.row_actions.charts.dialogs[("/", queue)]
    qtbot.waitUntil(lambda: "queue monitor has no sample" in chart.note.text(), timeout=WAIT_MS)
    assert "Total (recent): ready + unacked as the desk read them since" in chart.note.text()
    assert chart.chart.series_names() == ["total (recent)"]


def test_a_read_only_profile_offers_no_move_or_dead_letter(open_panel, broker, unique_name, qtbot):
    queue = broker.queue(f"{unique_name}.ro")
    panel = open_panel(broker_profile(read_only=True))
    overview = panel.overview
    qtbot.keyClicks(overview.filter_edit, unique_name)
    qtbot.waitUntil(lambda: overview.model.rowCount() == 1, timeout=WAIT_MS)
    assert overview.choose(queue)
    assert overview.browse_button.isEnabled()
    assert not overview.move_button.isEnabled()
    assert not overview.dead_letter_button.isEnabled()
    assert "read-only" in overview.move_button.toolTip()
