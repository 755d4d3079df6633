"""Quorum queues with a delivery limit: nothing that hands messages back pushes one past it.

Against the real broker (RabbitMQ 3.10.8 here: every return counts, as before 4.3 everywhere).
Each queue dead-letters into a fanout exchange bound to a capture queue, so a message pushed
past its limit shows up there instead of vanishing.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from opsdesk.operations.errors import BrowseWarning
from opsdesk.operations.plan import Destination, Progress
from opsdesk.operations.selection import MessageFilter, Selection
from opsdesk.operations.service import Operations
from tests.conftest import BrokerObjects, poll_until
from tests.operations.conftest import drain, publish_many

pytestmark = pytest.mark.broker

LimitedQueue = Callable[..., tuple[str, str]]


def declare_limited_queue(broker: BrokerObjects, name: str, **arguments: Any) -> tuple[str, str]:
    """A quorum queue `name` dead-lettering into a capture queue: (queue, capture)."""
    dlx = broker.exchange(f"{name}.dlx", "fanout")
    capture = broker.queue(f"{name}.captured")
    broker.channel.queue_bind(capture, dlx)
    queue = broker.queue(
        name, **{"x-queue-type": "quorum", "x-dead-letter-exchange": dlx, **arguments}
    )
    return queue, capture


@pytest.fixture
def limited_queue(broker: BrokerObjects, unique_name: str) -> LimitedQueue:
    """make(suffix, **arguments): declare_limited_queue named after the test."""

    def make(suffix: str = "qq", **arguments: Any) -> tuple[str, str]:
        return declare_limited_queue(broker, f"{unique_name}.{suffix}", **arguments)

    return make


def api_request(method: str, path: str, body: dict[str, Any] | None = None) -> None:
    request = urllib.request.Request(
        "http://127.0.0.1:15672/api" + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": "Basic " + base64.b64encode(b"guest:guest").decode(),
            "Content-Type": "application/json",
        },
    )
    urllib.request.urlopen(request, timeout=5).close()


@pytest.fixture
def limit_policy(unique_name: str) -> Iterator[Callable[[str, int], None]]:
    """apply(queue, limit): a policy `delivery-limit` on that queue alone; removed afterwards."""
    paths: list[str] = []

    def apply(queue: str, limit: int) -> None:
        path = f"/policies/%2F/{urllib.parse.quote(unique_name + '.limit', safe='')}"
        body = {
            "pattern": f"^{re.escape(queue)}$",
            "definition": {"delivery-limit": limit},
            "apply-to": "queues",
        }
        api_request("PUT", path, body)
        paths.append(path)

    yield apply
    for path in paths:
        api_request("DELETE", path)


def return_every_message(broker: BrokerObjects, queue: str, times: int) -> None:
    """Take every message and nack it back, `times` over: as a failing consumer would."""
    for _ in range(times):
        channel = broker.connection.channel()
        while channel.basic_get(queue, auto_ack=False)[0] is not None:
            pass
        channel.basic_nack(0, multiple=True, requeue=True)
        channel.close()


def settled_count(broker: BrokerObjects, queue: str, expected: int) -> None:
    """A quorum queue's ready count lags a return by a moment (0 right after one, measured)."""
    poll_until(
        lambda: broker.message_count(queue) == expected,
        timeout=10,
        failure=f"{queue} did not show {expected} ready",
    )


def test_the_broker_dead_letters_at_the_return_past_the_limit(
    broker: BrokerObjects, limited_queue: LimitedQueue
) -> None:
    """The off-by-one the guards rest on: with a limit of 2, the third return dead-letters."""
    queue, capture = limited_queue(**{"x-delivery-limit": 2})
    publish_many(broker, queue, 1)
    seen = []
    for _ in range(3):
        channel = broker.connection.channel()
        _method, props, _body = channel.basic_get(queue, auto_ack=False)
        seen.append((props.headers or {}).get("x-delivery-count"))
        channel.close()  # a closed channel hands it back, and that counts too
        poll_until(
            lambda: broker.message_count(queue) + broker.message_count(capture) == 1,
            timeout=10,
            failure="the message went neither back nor to the capture queue",
        )
    assert seen == [0, 1, 2]
    assert broker.message_count(queue) == 0 and broker.message_count(capture) == 1


def test_browsing_twice_and_three_times_dead_letters_nothing(
    broker: BrokerObjects, limited_queue: LimitedQueue, ops: Operations
) -> None:
    queue, capture = limited_queue(**{"x-delivery-limit": 2})
    ids = publish_many(broker, queue, 3)

    first = ops.browse(queue)
    assert [m.message_id for m in first.messages] == ids
    assert [m.delivery_count for m in first.messages] == [0, 0, 0]
    assert first.complete and first.limit_stop is None
    assert any("delivery limit 2 (x-delivery-limit 2" in note for note in first.notes)
    settled_count(broker, queue, 3)

    second = ops.browse(queue)
    stop = second.limit_stop
    assert stop is not None and not stop.dead_lettered
    assert [m.message_id for m in second.messages] == ids[:1]  # nothing after it was taken
    assert second.messages[0].delivery_count == 1
    assert not second.complete
    reason = (
        f"stopped at message #0 ({ids[0]}): returning it would be its 2nd delivery of a limit "
        "of 2 (x-delivery-count 1 when taken), and the next return would make the broker "
        f"dead-letter it into exchange '{queue}.dlx'; no message after it was taken"
    )
    assert stop.describe() == reason and reason in second.notes
    settled_count(broker, queue, 3)

    # The desk left it at its limit: a third browse asks first instead of taking it.
    for _ in range(2):
        with pytest.raises(
            BrowseWarning, match=rf"left 1 message\(s\).*{ids[0]} \(delivery count 2 of 2\)"
        ):
            ops.browse(queue)

    assert broker.message_count(capture) == 0
    assert sorted(str(g.props.message_id) for g in drain(broker, queue)) == ids


def test_a_policy_delivery_limit_is_honoured(
    broker: BrokerObjects,
    limited_queue: LimitedQueue,
    limit_policy: Callable[[str, int], None],
    ops: Operations,
) -> None:
    queue, capture = limited_queue()
    limit_policy(queue, 2)
    ids = publish_many(broker, queue, 2)
    # The management API shows a new policy with its next statistics (about 5 s here).
    poll_until(
        lambda: ops.queue_facts(queue).delivery_limit == 2,
        timeout=15,
        failure="the policy's delivery limit never showed",
        interval=0.5,
    )
    assert ops.queue_facts(queue).limit.source == "policy delivery-limit 2"
    assert ops.browse(queue).limit_stop is None
    settled_count(broker, queue, 2)
    second = ops.browse(queue)
    assert second.limit_stop is not None and second.limit_stop.returned.check.after == 2
    with pytest.raises(BrowseWarning):
        ops.browse(queue)
    assert broker.message_count(capture) == 0
    assert sorted(str(g.props.message_id) for g in drain(broker, queue)) == ids


def test_a_message_already_at_its_limit_is_named_not_lost_silently(
    broker: BrokerObjects, limited_queue: LimitedQueue, ops: Operations
) -> None:
    """A consumer spent its returns: taking it at all dead-letters it, and the browse says so."""
    queue, capture = limited_queue(**{"x-delivery-limit": 2})
    ids = publish_many(broker, queue, 2)
    return_every_message(broker, queue, 2)
    settled_count(broker, queue, 2)
    page = ops.browse(queue)
    stop = page.limit_stop
    assert stop is not None and stop.dead_lettered and stop.position == 0
    assert f"makes the broker dead-letter it into exchange '{queue}.dlx'" in stop.describe()
    assert [m.message_id for m in page.messages] == ids[:1]  # the second one was left alone
    poll_until(lambda: broker.message_count(capture) == 1, 10, "it was not dead-lettered")
    assert [g.props.message_id for g in drain(broker, capture)] == ids[:1]


@pytest.mark.parametrize("returned_before", [1, 2])
def test_a_cancelled_move_hands_back_its_messages_without_loss(
    broker: BrokerObjects,
    limited_queue: LimitedQueue,
    queues: tuple[str, str],
    ops: Operations,
    returned_before: int,
) -> None:
    """Held messages go back at the limit (1 before), or are moved as planned (2 before)."""
    queue, capture = limited_queue(**{"x-delivery-limit": 2})
    _, target = queues
    ids = publish_many(broker, queue, 40)
    return_every_message(broker, queue, returned_before)
    settled_count(broker, queue, 40)
    cancel = threading.Event()

    def on_progress(progress: Progress) -> None:
        if progress.done >= 5:
            cancel.set()

    plan = ops.plan_move(queue, Destination.queue(target))
    assert any("delivery limit 2" in w for w in plan.warnings)
    result = ops.execute(plan, on_progress=on_progress, cancel=cancel, rate_limit=100)
    assert result.cancelled
    in_target = [str(g.props.message_id) for g in drain(broker, target)]
    settled_count(broker, queue, 40 - len(in_target))
    in_queue = [str(g.props.message_id) for g in drain(broker, queue)]
    assert sorted(in_target + in_queue) == ids  # every id once: none lost, none doubled
    assert broker.message_count(capture) == 0
    if returned_before == 1:
        assert 5 <= len(in_target) < 40
        assert any("went back at their delivery limit" in note for note in result.notes)
    else:
        assert len(in_target) == 40 and not in_queue
        assert any("acted on as planned rather than handed back" in n for n in result.notes)


def test_a_filtered_move_stops_at_a_passed_over_message_it_would_leave_at_the_limit(
    broker: BrokerObjects, limited_queue: LimitedQueue, queues: tuple[str, str], ops: Operations
) -> None:
    queue, capture = limited_queue(**{"x-delivery-limit": 2})
    _, target = queues
    ids = publish_many(broker, queue, 6)
    return_every_message(broker, queue, 1)
    settled_count(broker, queue, 6)
    wanted = Selection(filter=MessageFilter(header=("x-n", "5")))  # the last one only
    result = ops.execute(ops.plan_move(queue, Destination.queue(target), wanted))
    stop_notes = [n for n in result.notes if n.startswith("stopped at message #0")]
    assert stop_notes and "it is not selected, so it goes back" in stop_notes[0]
    assert result.done == 0 and broker.message_count(capture) == 0
    settled_count(broker, queue, 6)
    assert sorted(str(g.props.message_id) for g in drain(broker, queue)) == ids


def test_a_send_home_preview_stops_too_and_then_goes_without(
    broker: BrokerObjects, limited_queue: LimitedQueue, ops: Operations
) -> None:
    """The plan of sending dead letters home peeks at the queue as a browse does."""
    queue, capture = limited_queue(**{"x-delivery-limit": 2})
    ids = publish_many(broker, queue, 3)
    return_every_message(broker, queue, 1)
    settled_count(broker, queue, 3)
    first = ops.plan_send_home(queue)
    assert any(
        w.startswith(f"the preview stopped at message #0 ({ids[0]})") for w in first.warnings
    )
    settled_count(broker, queue, 3)
    second = ops.plan_send_home(queue)
    assert any(
        w.startswith("no preview of the messages: this desk left 1") for w in second.warnings
    )
    assert broker.message_count(capture) == 0
    assert sorted(str(g.props.message_id) for g in drain(broker, queue)) == ids
