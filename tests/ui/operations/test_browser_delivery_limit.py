"""The queue browser on a quorum queue with `x-delivery-limit: 2`, over the real broker.

Browsing it twice (and trying a third time) dead-letters nothing, and the browser says why it
stopped and why it asks before a third browse.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from opsdesk.ui.operations.browse_table_model import COL_MESSAGE_ID, COL_REDELIVERED
from opsdesk.ui.operations.delivery_limit_prompt import TITLE
from tests.conftest import BrokerObjects, poll_until
from tests.operations.conftest import drain, publish_many
from tests.ui.operations.conftest import WAIT_MS, browse

pytestmark = pytest.mark.broker


def _column(panel, column: int) -> list[str]:
    model = panel.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_browsing_twice_dead_letters_nothing_and_says_why_it_stopped(
    qtbot, broker: BrokerObjects, unique_name: str, open_browser
) -> None:
    dlx = broker.exchange(unique_name + ".dlx", "fanout")
    capture = broker.queue(unique_name + ".captured")
    broker.channel.queue_bind(capture, dlx)
    queue = broker.queue(
        unique_name + ".qq",
        **{"x-queue-type": "quorum", "x-delivery-limit": 2, "x-dead-letter-exchange": dlx},
    )
    ids = publish_many(broker, queue, 3)
    settled = lambda: broker.message_count(queue) == 3  # noqa: E731 (lags a return a moment)
    poll_until(settled, 10, "3 messages ready")
    panel = open_browser()
    assert "stops at the first message it would leave at the limit" in panel.explanation.text()

    browse(qtbot, panel, queue)
    assert _column(panel, COL_MESSAGE_ID) == ids
    assert panel.risk_box is None and "stopped at" not in panel.banner.text()
    poll_until(settled, 10, "3 messages back")

    browse(qtbot, panel, queue)
    assert _column(panel, COL_MESSAGE_ID) == ids[:1]  # nothing after it was taken
    assert _column(panel, COL_REDELIVERED) == ["yes · 1 counted"]
    assert not panel.banner.isHidden()
    assert panel.banner.text().startswith(
        f"stopped at message #0 ({ids[0]}): returning it would be its 2nd delivery of a "
        "limit of 2 (x-delivery-count 1 when taken), and the next return would make the "
        f"broker dead-letter it into exchange '{dlx}'"
    )
    assert "stopped at #0: its delivery limit" in panel.result_label.text()
    poll_until(settled, 10, "3 messages back")

    # A third browse would dead-letter the message the second left at its limit: it asks.
    assert panel.browse(queue)
    qtbot.waitUntil(lambda: panel.risk_box is not None, timeout=WAIT_MS)
    box = panel.risk_box
    assert box.windowTitle() == TITLE
    assert f"{ids[0]} (delivery count 2 of 2)" in box.text()
    assert f"dead-letter it into exchange '{dlx}'" in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: panel.risk_box is None, timeout=WAIT_MS)
    assert _column(panel, COL_MESSAGE_ID) == ids[:1]  # still the second page: nothing taken
    assert "not browsed" in panel.result_label.text()

    assert broker.message_count(capture) == 0
    assert sorted(str(g.props.message_id) for g in drain(broker, queue)) == ids
