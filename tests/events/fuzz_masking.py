"""Fuzz target (atheris): the decoders and the masker on mutated messages with a card number in.

    .venv/bin/python tests/events/fuzz_masking.py -max_total_time=20 SEED_DIR

The input is a message body. A checksum of it picks a card number, how it is written, and
where it goes: into the bytes at some offset, into a string of the JSON (when it parses), into
a header, into the message_id or the body's event_id. Every decoded event must then be free of
the card number's digits in every field, and the decoder must not have hit a bug (it contains
its own exceptions, so a bug shows as a "decoder error" event, not as a crash). mask_pans on
the body as text must hide the card number too. tests/events/test_fuzz.py runs this for a
bounded time in a subprocess, so atheris's instrumentation stays out of pytest.
"""

from __future__ import annotations

import json
import random
import sys
import zlib
from dataclasses import astuple

import atheris

with atheris.instrument_imports(include=["opsdesk.events"]):
    from opsdesk.events.decode import decode_many
    from opsdesk.events.masking import luhn_valid, mask_pans
    from opsdesk.events.model import RawMessage

RECEIVED_AT = "2026-01-01T00:00:00.000Z"
# Card schemes: an IIN prefix, a length and the grouping cards of that kind are printed in.
SCHEMES = (
    ("4", 16, (4, 4, 4, 4)),  # Visa
    ("4", 13, (4, 4, 4, 1)),
    ("4", 19, (4, 4, 4, 4, 3)),
    ("55", 16, (4, 4, 4, 4)),  # Mastercard
    ("2221", 16, (4, 4, 4, 4)),
    ("37", 15, (4, 6, 5)),  # American Express
    ("36", 14, (4, 6, 4)),  # Diners Club
    ("6011", 16, (4, 4, 4, 4)),  # Discover
    ("3528", 16, (4, 4, 4, 4)),  # JCB
    ("62", 19, (4, 4, 4, 4, 3)),  # UnionPay
    ("6759", 16, (4, 4, 4, 4)),  # Maestro
)
# Fixed text around a planted number, so no rule may take it for part of an id or a phone
# number: what the fuzzer puts around that stays outside.
BEFORE, AFTER = "card: ", " ;"


def planted(choice: int) -> tuple[str, str]:
    """(digits, as written) of a Luhn-valid number drawn from a checksum of the input.

    A new number for every input: the fuzzer learns strings from comparisons in the code it
    runs, but cannot carry a planted number into the input it belongs to.
    """
    rng = random.Random(choice)
    prefix, length, sizes = SCHEMES[rng.randrange(len(SCHEMES))]
    payload = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    digits = payload + next(d for d in "0123456789" if luhn_valid(payload + d))
    separator = rng.choice(("", " ", "-"))
    parts, at = [], 0
    for size in sizes:
        parts.append(digits[at : at + size])
        at += size
    return digits, separator.join(parts) if separator else digits


def message(data: bytes) -> tuple[RawMessage, str, str]:
    choice = zlib.crc32(data)
    digits, text = planted(choice)
    note = f"{BEFORE}{text}{AFTER}"
    where = (choice >> 8) % 5
    body, headers, properties = data, {}, {}
    if where == 0:
        offset = (choice >> 12) % (len(data) + 1)
        body = data[:offset] + note.encode() + data[offset:]
    elif where == 1:
        body = _into_json(data, note)
    elif where == 2:
        headers = {"x-note": note, "x-card": text.encode()}
    elif where == 3:
        properties = {"message_id": text}
    else:
        body = _into_json(data, text, key="event_id")
    raw = RawMessage(
        body=body,
        exchange="payments",
        routing_key="payment.x",
        properties=properties,
        headers=headers,
    )
    return raw, digits, text


def _into_json(data: bytes, value: str, key: str = "note") -> bytes:
    """`data` with `value` set at `key` if it is a JSON object; else `value` after it."""
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict):
        parsed[key] = value
        try:
            return json.dumps(parsed).encode()
        except (ValueError, RecursionError):
            pass
    return data + f"{BEFORE}{value}{AFTER}".encode()


def check(data: bytes) -> None:
    raw, digits, text = message(data)
    as_text = data.decode("utf-8", errors="backslashreplace")  # as the store shows bad bytes
    if any(
        needle in view for needle in (digits, text) for view in (as_text, data.decode("latin-1"))
    ):
        return  # already in the input, maybe glued to an id: only a planted number is checked
    events = decode_many(raw, RECEIVED_AT)
    assert events, "no event"
    for event in events:
        assert not (event.decode_error or "").startswith("decoder error"), event.decode_error
        for value in astuple(event):
            if isinstance(value, str):
                assert digits not in value and text not in value, (value[:300], text)
    shown = mask_pans(raw.body.decode("utf-8", errors="backslashreplace"))
    if BEFORE + text + AFTER in raw.body.decode("utf-8", errors="replace"):
        assert text not in shown, text


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
