"""How deep the queue browser reaches, over the real broker: the cap said where it bites.

The cap is made small (monkeypatch on browse_depth.MAX_BROWSE_DEPTH) so that a queue of 400
messages is deeper than a browse reaches.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from opsdesk.operations import browse_depth
from opsdesk.ui.operations import browse_text
from opsdesk.ui.operations.browse_table_model import COL_MESSAGE_ID
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain
from tests.operations.test_browse import publish_fast
from tests.ui.operations.conftest import WAIT_MS

pytestmark = pytest.mark.broker


def _ids(panel) -> list[str]:
    model = panel.model
    return [model.index(r, COL_MESSAGE_ID).data() for r in range(model.rowCount())]


def _browse_from(qtbot, panel, typed: str) -> None:
    panel.offset.lineEdit().selectAll()
    qtbot.keyClicks(panel.offset, typed)
    with qtbot.waitSignal(panel.browsed, timeout=WAIT_MS):
        qtbot.mouseClick(panel.browse_button, Qt.MouseButton.LeftButton)


def test_the_cap_is_said_where_it_bites_and_a_typed_position_past_it_is_clamped_visibly(
    qtbot, broker: BrokerObjects, queues, open_browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browse_depth, "MAX_BROWSE_DEPTH", 300)
    source, _ = queues
    ids = publish_fast(broker, source, 400)
    panel = open_browser()
    panel.limit.setValue(50)
    panel.queue_box.setEditText(source)
    assert "reaches #299 at most" in panel.offset.toolTip()
    assert panel.position.depth_line.isHidden()

    _browse_from(qtbot, panel, "500")
    assert panel.offset.value() == 250  # the field shows where the page starts
    assert _ids(panel) == ids[250:300]
    assert "#500 is past the cap of 300: showing from #250" in panel.banner.text()
    line = panel.position.depth_line
    assert not line.isHidden()
    assert line.text().startswith(
        "This queue holds 400 messages; a browse can reach #299 at most, because to show a "
        "message a browse holds every message before it unacknowledged"
    )
    assert "to read deeper, look in History" in line.text()
    assert "#0 to #299 can be shown (400 ready)" in panel.offset.toolTip()
    assert "#299 is as deep as a browse reaches" in panel.result_label.text()
    assert not panel.next_button.isEnabled()
    assert panel.next_button.toolTip().startswith("No further: a browse can reach #299 at most")

    # Next goes up to the cap and stops there, saying why.
    _browse_from(qtbot, panel, "200")
    assert panel.offset.value() == 200 and _ids(panel) == ids[200:250]
    assert "past the cap" not in panel.banner.text()
    assert panel.next_button.isEnabled()
    with qtbot.waitSignal(panel.browsed, timeout=WAIT_MS):
        panel.next_button.click()
    assert panel.offset.value() == 250 and _ids(panel) == ids[250:300]
    assert not panel.next_button.isEnabled()
    assert "because to show a message" in panel.next_button.toolTip()
    assert [g.props.message_id for g in drain(broker, source)] == ids


def test_a_queue_within_the_cap_has_no_depth_line_and_a_typed_position_past_its_end_is_clamped(
    qtbot, broker: BrokerObjects, queues, open_browser
) -> None:
    source, _ = queues
    ids = publish_fast(broker, source, 30)
    panel = open_browser()
    panel.limit.setValue(10)
    panel.queue_box.setEditText(source)
    _browse_from(qtbot, panel, "100")
    assert panel.offset.value() == 20 and _ids(panel) == ids[20:]
    assert (
        f"#100 is past the end of '{source}' (30 ready: #0 to #29): showing from #20"
        in panel.banner.text()
    )
    assert panel.position.depth_line.isHidden()
    assert "No more: the queue had 30 ready" in panel.next_button.toolTip()


def test_the_browsing_hint_times_a_queue_read_one_message_at_a_time_as_such() -> None:
    by_consumer = browse_text.browsing("q", 1950, 50, one_at_a_time=False)
    by_get = browse_text.browsing("q", 1950, 50, one_at_a_time=True)
    unknown = browse_text.browsing("q", 1950, 50)
    assert by_consumer.endswith("(for up to 4s)…")  # 3 s + 2,000 at 2,000 a second
    assert by_get.endswith("(for up to 7s: it is read one message at a time)…")  # at 500/s
    assert "for up to 4s; up to 7s on a quorum queue with a delivery limit" in unknown
    past = browse_text.browsing("q", 9000, 50, one_at_a_time=True)
    assert past.startswith("Browsing q: #9,000 is past the cap of 2,000: taking the 2,000")
