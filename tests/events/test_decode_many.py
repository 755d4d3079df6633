"""decode_many: at least one storable event for any message, never an exception."""

import json
import random

from opsdesk.events.decode import decode, decode_many
from opsdesk.events.mapping import FieldMapping
from opsdesk.events.model import RawMessage
from tests.events.builders import RECEIVED_AT, assert_kept, message, native_body

MAPPINGS = (
    FieldMapping(name="deep", payment_id="a.b[0]", status="/s", failed=("x",), match_field="/m"),
    FieldMapping(name="rk", amount_minor="/amount", match_routing_key="mapped.#"),
)


def test_single_event_messages_give_a_list_of_one_equal_to_decode():
    for raw in (message(native_body()), message(b"\xff"), message(b""), message([1, 2])):
        events = decode_many(raw, RECEIVED_AT)
        assert events == [decode(raw, RECEIVED_AT)]


def test_decoder_bug_is_contained_in_decode_many_too():
    raw = RawMessage(body="not bytes", exchange="ex", routing_key="rk")
    [event] = decode_many(raw, RECEIVED_AT)
    assert event.decode_error is not None
    assert event.decode_error.startswith("decoder error")


def test_random_provider_like_shapes_never_raise():
    rng = random.Random(20240502)
    scalars = [None, True, 0, -1, 1.5, "", "true", "false", "x", "4111111111111111", 2**70]
    scalars += ["event", "AUTHORISATION", "payment_intent.succeeded"]
    keys = ["object", "type", "data", "id", "created", "account", "request", "amount", "currency"]
    keys += ["notificationItems", "NotificationRequestItem", "eventCode", "success", "live"]
    keys += ["pspReference", "merchantReference", "reason", "a", "b", "s", "m", "0"]

    def value(depth):
        roll = rng.random()
        if depth > 3 or roll < 0.5:
            return rng.choice(scalars)
        if roll < 0.75:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(keys): value(depth + 1) for _ in range(rng.randint(0, 4))}

    for _ in range(600):
        body = {rng.choice(keys): value(0) for _ in range(rng.randint(0, 5))}
        if rng.random() < 0.3:
            body.update(object="event", data={"object": value(1)})
        if rng.random() < 0.3:
            body["notificationItems"] = [value(1) for _ in range(rng.randint(0, 4))]
        routing_key = rng.choice(["mapped.x", "other", ""])
        raw = message(json.dumps(body).encode(), routing_key=routing_key)
        events = decode_many(raw, RECEIVED_AT, MAPPINGS)
        assert events
        for event in events:
            assert_kept(event, raw)
            assert event.decode_error is None or "decoder error" not in event.decode_error
            assert "4111111111111111" not in event.body
