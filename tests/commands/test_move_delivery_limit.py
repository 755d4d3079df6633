"""`opsdesk move` on a quorum queue with a delivery limit says where it stopped, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.commands import move
from tests.commands.conftest import run_command
from tests.conftest import BrokerObjects, poll_until
from tests.operations.conftest import drain, make_profile, publish_many
from tests.operations.test_quorum_delivery_limit import (
    declare_limited_queue,
    return_every_message,
)

pytestmark = pytest.mark.broker


def test_a_filtered_move_prints_the_message_it_stopped_at(
    broker: BrokerObjects, unique_name: str, queues: tuple[str, str], db_path: Path
) -> None:
    queue, capture = declare_limited_queue(broker, unique_name + ".qq", **{"x-delivery-limit": 2})
    _, target = queues
    ids = publish_many(broker, queue, 4)
    return_every_message(broker, queue, 1)
    poll_until(lambda: broker.message_count(queue) == 4, 10, "4 messages back")
    ran = run_command(
        move,
        *("--from", queue, "--to-queue", target, "--match-header", "x-n=3", "--yes"),
        profile=make_profile(),
        history=db_path,
    )
    assert "quorum queue with delivery limit 2 (x-delivery-limit 2" in ran.out  # the plan
    assert (
        f"note: stopped at message #0 ({ids[0]}): it is not selected, so it goes back, and "
        "returning it would be its 2nd delivery of a limit of 2"
    ) in ran.err
    assert "0 done" in ran.out
    assert broker.message_count(capture) == 0 and broker.message_count(target) == 0
    poll_until(lambda: broker.message_count(queue) == 4, 10, "4 messages back")
    assert sorted(str(g.props.message_id) for g in drain(broker, queue)) == ids
