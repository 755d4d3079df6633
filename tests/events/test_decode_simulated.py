"""The decoder against the simulator's traffic: the shapes opsdesk itself puts on the bus."""

import random

from opsdesk.events.decode import decode
from opsdesk.events.masking import luhn_valid
from opsdesk.events.model import RawMessage
from opsdesk.simulator.traffic import LEAKED_PANS, PaymentTraffic
from tests.events.builders import RECEIVED_AT


def test_simulated_events_decode_as_native_with_every_leaked_pan_masked():
    traffic = PaymentTraffic(random.Random(11), pan_leak_rate=1.0)
    for _ in range(300):
        sim = traffic.next_event()
        raw = RawMessage(
            body=sim.body,
            exchange="payments.events",
            routing_key=sim.routing_key,
            properties={"content_type": sim.content_type, "message_id": sim.message_id},
            headers=sim.headers,
        )
        event = decode(raw, RECEIVED_AT)
        assert event.format == "native"
        assert event.decode_error is None
        assert event.event_id == sim.message_id
        assert event.type == sim.event_type
        assert event.status == sim.status
        assert event.payment_id == sim.payment_id
        assert isinstance(event.amount_minor, int)
        stored = event.body + event.headers + event.properties
        for pan in LEAKED_PANS:
            assert luhn_valid(pan.replace(" ", "").replace("-", ""))
            assert pan not in stored
