"""Reading opsdesk's replay headers back: what a copy replays and which attempt it is."""

from __future__ import annotations

import pytest

from opsdesk.events.decode import decode
from opsdesk.events.identity import ID_HASH_PREFIX
from opsdesk.events.model import RawMessage
from opsdesk.events.replay_headers import REPLAY_ATTEMPT, REPLAY_OF, read_replay_fields

BODY = b'{"type": "payment.requested", "payment_id": "p-1"}'


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, (None, None)),
        ({"x-other": "1"}, (None, None)),
        ({REPLAY_OF: "evt-1"}, ("evt-1", None)),
        ({REPLAY_OF: "evt-1", REPLAY_ATTEMPT: 2}, ("evt-1", 2)),
        ({REPLAY_OF: b"evt-1", REPLAY_ATTEMPT: b"3"}, ("evt-1", 3)),
        ({REPLAY_OF: " evt-1 ", REPLAY_ATTEMPT: " 4 "}, ("evt-1", 4)),
        ({REPLAY_OF: "evt-1", REPLAY_ATTEMPT: 0}, ("evt-1", None)),
        ({REPLAY_OF: "evt-1", REPLAY_ATTEMPT: -1}, ("evt-1", None)),
        ({REPLAY_OF: "evt-1", REPLAY_ATTEMPT: True}, ("evt-1", None)),
        ({REPLAY_OF: "evt-1", REPLAY_ATTEMPT: "²"}, ("evt-1", None)),
        ({REPLAY_OF: "evt-1", REPLAY_ATTEMPT: 1.5}, ("evt-1", None)),
        ({REPLAY_OF: "", REPLAY_ATTEMPT: 2}, (None, None)),
        ({REPLAY_OF: ["evt-1"], REPLAY_ATTEMPT: 2}, (None, None)),
        ({REPLAY_ATTEMPT: 2}, (None, None)),
        ({REPLAY_OF: 42}, ("42", None)),
    ],
)
def test_replay_fields_are_read_as_far_as_they_make_sense(
    headers: dict[str, object], expected: tuple[str | None, int | None]
) -> None:
    assert read_replay_fields(headers) == expected


def test_an_id_holding_a_card_number_is_stored_as_identity_stores_it() -> None:
    replay_of, _ = read_replay_fields({REPLAY_OF: "4111111111111111"})
    assert replay_of is not None and replay_of.startswith(ID_HASH_PREFIX)
    original = decode(RawMessage(BODY, properties={"message_id": "4111111111111111"}), "t")
    assert original.event_id == replay_of


def test_the_decoder_keeps_the_replay_fields_of_a_copy_only() -> None:
    headers = {REPLAY_OF: "o", REPLAY_ATTEMPT: 1}
    copy = decode(RawMessage(BODY, "x", "payment.requested", {"message_id": "c"}, headers), "t")
    assert (copy.replay_of, copy.replay_attempt) == ("o", 1)
    original = decode(RawMessage(BODY, "x", "payment.requested", {"message_id": "o"}), "t")
    assert (original.replay_of, original.replay_attempt) == (None, None)
