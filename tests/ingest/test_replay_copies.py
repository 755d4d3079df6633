"""A replay copy arriving at the tap is stored as one: what it re-sends, and which attempt."""

from __future__ import annotations

import json

import pytest

from opsdesk.events.replay_headers import REPLAY_ATTEMPT, REPLAY_OF, REPLAYED_BY
from opsdesk.store.event_store import EventStore
from tests.conftest import BrokerObjects
from tests.ingest.test_tap import WRITERS, Recorder, classic_tap, make_profile

pytestmark = pytest.mark.broker


def _request(payment: str) -> bytes:
    return json.dumps(
        {"type": "payment.requested", "payment_id": payment, "idempotency_key": f"idem-{payment}"}
    ).encode()


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_a_replayed_request_is_stored_with_what_it_replays_and_its_attempt(
    tap_setup, broker: BrokerObjects, writer: dict[str, bool]
) -> None:
    exchange, queue, db = tap_setup
    recorder = Recorder()
    tap = classic_tap(make_profile(exchange, queue, **writer), db, recorder)
    tap.start()
    try:
        recorder.wait_connected()
        broker.publish(exchange, "payment.requested", _request("p-1"), message_id="req-1")
        broker.publish(
            exchange,
            "payment.requested",
            _request("p-1"),
            message_id="replay-a",
            headers={REPLAY_OF: "req-1", REPLAY_ATTEMPT: 2, REPLAYED_BY: "alice"},
        )
        # Bytes and digits-as-text, as another client may set them.
        broker.publish(
            exchange,
            "payment.requested",
            _request("p-1"),
            message_id="replay-b",
            headers={REPLAY_OF: b"req-1", REPLAY_ATTEMPT: "3"},
        )
        recorder.wait_for(lambda: recorder.counters.stored == 3)
    finally:
        tap.stop()
    with EventStore(db, readonly=True) as store:
        stored = {e.event_id: e for e in store.latest(10)}
    assert (stored["req-1"].replay_of, stored["req-1"].replay_attempt) == (None, None)
    assert (stored["replay-a"].replay_of, stored["replay-a"].replay_attempt) == ("req-1", 2)
    assert (stored["replay-b"].replay_of, stored["replay-b"].replay_attempt) == ("req-1", 3)
    assert {e.payment_id for e in stored.values()} == {"p-1"}
