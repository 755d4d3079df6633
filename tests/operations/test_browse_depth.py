"""How deep a browse reaches, on the real broker: past the cap or the end, it says where it went.

The caps are made small (monkeypatch on browse_depth's constants) so that a queue of a few
hundred messages is deeper than a browse reaches.
"""

from __future__ import annotations

import pytest

from opsdesk.operations import browse_depth
from opsdesk.operations.service import Operations
from tests.conftest import BrokerObjects, poll_until
from tests.operations.conftest import drain, publish_many
from tests.operations.test_browse import publish_fast

pytestmark = pytest.mark.broker


def test_a_position_past_the_cap_shows_the_last_page_it_reaches_and_says_so(
    broker: BrokerObjects,
    queues: tuple[str, str],
    ops: Operations,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(browse_depth, "MAX_BROWSE_DEPTH", 300)
    source, _ = queues
    ids = publish_fast(broker, source, 400)

    page = ops.browse(source, offset=1000, limit=50)
    assert (page.offset, page.asked_offset, page.cap) == (250, 1000, 300)
    assert [m.message_id for m in page.messages] == ids[250:300]
    assert page.reached == 300  # not one message past the cap was taken
    assert "#1,000 is past the cap of 300: showing from #250" in page.notes

    cut = ops.browse(source, offset=280, limit=50)
    assert [m.message_id for m in cut.messages] == ids[280:300]
    assert cut.asked_offset is None and cut.reached == 300
    assert "the page ends at #299, the deepest a browse reaches" in cut.notes

    within = ops.browse(source, offset=200, limit=50)
    assert [m.message_id for m in within.messages] == ids[200:250]
    assert within.asked_offset is None and within.reached == 250
    assert [g.props.message_id for g in drain(broker, source)] == ids


def test_a_quorum_queue_read_one_message_at_a_time_has_its_own_cap(
    broker: BrokerObjects, unique_name: str, ops: Operations, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browse_depth, "MAX_COUNTED_BROWSE_DEPTH", 20)
    dlx = broker.exchange(unique_name + ".dlx", "fanout")
    queue = broker.queue(
        unique_name + ".qq",
        **{"x-queue-type": "quorum", "x-delivery-limit": 5, "x-dead-letter-exchange": dlx},
    )
    ids = publish_many(broker, queue, 30)
    poll_until(lambda: broker.message_count(queue) == 30, 10, "30 messages ready")

    page = ops.browse(queue, offset=100, limit=10)
    assert page.one_at_a_time and page.cap == 20
    assert [m.message_id for m in page.messages] == ids[10:20]
    assert page.reached == 20 and page.limit_stop is None
    assert "#100 is past the cap of 20: showing from #10" in page.notes
    poll_until(lambda: broker.message_count(queue) == 30, 10, "30 messages back")
    assert sorted(str(g.props.message_id) for g in drain(broker, queue)) == ids
