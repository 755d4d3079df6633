"""The queue browser over the real broker: a page, nothing consumed, the desk's copy, read-only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from opsdesk.broker.queue_sample import QueueInfo
from opsdesk.events.model import Status
from opsdesk.ui.operations.browse_table_model import (
    COL_DEATHS,
    COL_HISTORY,
    COL_MESSAGE_ID,
    COL_REDELIVERED,
    COL_SIZE,
)
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, make_profile, publish_many
from tests.ui.operations.conftest import WAIT_MS, browse, payment_event, store_events

pytestmark = pytest.mark.broker


def _column(panel, column: int) -> list[str]:
    model = panel.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_browse_shows_the_page_and_leaves_the_queue_as_it_was(
    qtbot, broker: BrokerObjects, queues, open_browser, db_path
) -> None:
    source, _ = queues
    ids = publish_many(broker, source, 5)
    # The tap saw the third message: the browser says so and shows the recorded payment.
    store_events(db_path, payment_event(ids[2], "payments", status=Status.SUCCEEDED))
    panel = open_browser()
    assert "redelivered=true" in panel.explanation.text()
    assert "order may" in panel.explanation.text()

    browse(qtbot, panel, source)
    assert _column(panel, COL_MESSAGE_ID) == ids
    assert _column(panel, COL_REDELIVERED) == ["no"] * 5
    assert all(size.endswith(" B") for size in _column(panel, COL_SIZE))
    assert f"{source}: 5 ready" in panel.result_label.text()
    assert broker.message_count(source) == 5
    qtbot.waitUntil(lambda: _column(panel, COL_HISTORY)[2] == "recorded", timeout=WAIT_MS)
    assert _column(panel, COL_HISTORY)[:2] == ["", ""]

    panel.table.selectRow(2)
    assert not panel.details.note_label.isHidden()
    assert "already holds this message" in panel.details.note_label.text()
    text = panel.details.text()
    assert ids[2] in text and '"x-origin": "test"' in text and "Recorded by the desk" in text
    panel.table.selectRow(0)
    assert panel.details.note_label.isHidden()

    # Browsing again marks them redelivered, as the panel says it will; nothing is consumed.
    browse(qtbot, panel, source)
    assert _column(panel, COL_REDELIVERED) == ["yes"] * 5
    after = drain(broker, source)
    assert [g.props.message_id for g in after] == ids


def test_pages_and_x_death_column(qtbot, broker: BrokerObjects, queues, open_browser) -> None:
    source, _ = queues
    ids = publish_many(broker, source, 7)
    broker.publish(
        "",
        source,
        b"{}",
        message_id="dead-1",
        headers={
            "x-death": [
                {
                    "queue": "orders",
                    "reason": "rejected",
                    "count": 3,
                    "exchange": "shop",
                    "routing-keys": ["order.created"],
                }
            ]
        },
    )
    panel = open_browser()
    panel.limit.setValue(4)
    browse(qtbot, panel, source)
    assert _column(panel, COL_MESSAGE_ID) == ids[:4]
    assert panel.next_button.isEnabled() and not panel.previous_button.isEnabled()
    with qtbot.waitSignal(panel.browsed, timeout=WAIT_MS):
        panel.next_button.click()
    assert _column(panel, COL_MESSAGE_ID) == [*ids[4:], "dead-1"]
    assert _column(panel, COL_DEATHS)[-1] == "3x rejected in orders"
    assert panel.previous_button.isEnabled()
    assert broker.message_count(source) == 8


def test_known_queues_fill_the_picker_and_keep_what_was_typed(open_browser) -> None:
    panel = open_browser()
    panel.queue_box.setEditText("typed.queue")
    panel.set_known_queues([QueueInfo("b.queue", "/", True, "classic"), "a.queue"])
    items = [panel.queue_box.itemText(i) for i in range(panel.queue_box.count())]
    assert items == ["a.queue", "b.queue"]
    assert panel.queue_box.currentText() == "typed.queue"


def test_a_quorum_queue_with_a_delivery_limit_asks_before_browsing(
    qtbot, broker: BrokerObjects, unique_name: str, open_browser
) -> None:
    queue = broker.queue(unique_name + ".qq", **{"x-queue-type": "quorum", "x-delivery-limit": 5})
    publish_many(broker, queue, 2)
    panel = open_browser()
    assert panel.browse(queue)
    qtbot.waitUntil(lambda: panel.risk_box is not None, timeout=WAIT_MS)
    box = panel.risk_box
    assert "delivery limit of 5" in box.text()
    assert panel.model.rowCount() == 0  # nothing was browsed before the operator agreed
    accept = next(b for b in box.buttons() if b.text() == "Browse Anyway")
    with qtbot.waitSignal(panel.browsed, timeout=WAIT_MS):
        accept.click()
    assert panel.model.rowCount() == 2
    assert broker.message_count(queue) == 2


def test_a_read_only_profile_disables_every_write_action(
    qtbot, broker: BrokerObjects, queues, open_browser
) -> None:
    source, _ = queues
    publish_many(broker, source, 2)
    panel = open_browser(make_profile(read_only=True))
    assert not panel.badge.isHidden()
    browse(qtbot, panel, source)  # reading is allowed
    assert panel.model.rowCount() == 2
    actions = panel.queue_actions
    for button in actions.buttons:
        assert not button.isEnabled()
        assert "read-only" in button.toolTip()
    panel.table.selectRow(0)
    assert actions.open_move() is None and actions.open_purge() is None
    qtbot.mouseClick(actions.move_button, Qt.MouseButton.LeftButton)
    assert actions.dialog is None
    assert broker.message_count(source) == 2


def test_browsing_a_missing_queue_says_so(qtbot, open_browser, unique_name: str) -> None:
    panel = open_browser()
    assert panel.browse(unique_name + ".missing")
    qtbot.waitUntil(lambda: not panel.banner.isHidden(), timeout=WAIT_MS)
    assert "does not exist" in panel.banner.text()
    assert not panel.queue_actions.move_button.isEnabled()


def test_pages_past_2000_messages_from_a_typed_position(
    qtbot, broker: BrokerObjects, queues, open_browser
) -> None:
    """Finding 5: typing 2700 became 270, and Next stopped with 835 messages unreachable."""
    from tests.operations.test_browse import publish_fast

    source, _ = queues
    ids = publish_fast(broker, source, 2835)
    panel = open_browser()
    panel.limit.setValue(50)
    panel.queue_box.setEditText(source)
    panel.offset.lineEdit().selectAll()
    qtbot.keyClicks(panel.offset, "2700")
    assert panel.offset.value() == 2700  # not cut to 270
    with qtbot.waitSignal(panel.browsed, timeout=WAIT_MS):
        qtbot.mouseClick(panel.browse_button, Qt.MouseButton.LeftButton)
    assert _column(panel, COL_MESSAGE_ID) == ids[2700:2750]
    assert "showing #2,700 to #2,749" in panel.result_label.text()
    assert "took the 2,700 message(s) before them" in panel.banner.text()
    for first in (2750, 2800):
        assert panel.next_button.isEnabled(), panel.next_button.toolTip()
        with qtbot.waitSignal(panel.browsed, timeout=WAIT_MS):
            panel.next_button.click()
        assert panel.offset.value() == first
        assert _column(panel, COL_MESSAGE_ID) == ids[first : first + 50]
    assert not panel.next_button.isEnabled()  # #2,834 is the last, and it says so
    assert "2,835 ready (#0 to #2,834)" in panel.next_button.toolTip()

    panel.offset.lineEdit().selectAll()
    qtbot.keyClicks(panel.offset, "5000")
    with qtbot.waitSignal(panel.browsed, timeout=WAIT_MS):
        qtbot.mouseClick(panel.browse_button, Qt.MouseButton.LeftButton)
    assert panel.offset.value() == 2785  # brought back to the last page, visibly
    assert _column(panel, COL_MESSAGE_ID) == ids[2785:]
    assert "#5,000 is past the end" in panel.banner.text()
    assert "(2,835 ready: #0 to #2,834): showing from #2,785" in panel.banner.text()
    assert [g.props.message_id for g in drain(broker, source)] == ids
