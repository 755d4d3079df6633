"""Masking proven on generated data: ids are never touched, card numbers always are.

Hypothesis drives the random source of each maker in id_shapes, so it tries edge cases (all
zeros, all digits, short draws) besides ordinary values, and shrinks any failure it finds.
"""

import base64
import json
import os
import random
import re
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from opsdesk.events.decode import decode_many
from opsdesk.events.jsontext import table_json
from opsdesk.events.masking import mask_pans
from tests.events import id_shapes
from tests.events.builders import RECEIVED_AT, message, native_body

# OPSDESK_PROPERTY_EXAMPLES=5000 for a longer hunt than the suite's.
SETTINGS = settings(
    max_examples=int(os.environ.get("OPSDESK_PROPERTY_EXAMPLES", "300")), deadline=None
)
rngs = st.randoms(use_true_random=False)
never_card_kinds = st.sampled_from(sorted(id_shapes.NEVER_CARDS))
# Text that may stand right before or after a card number where people write one. None of it
# glues to the digits: a JSON escape ("\n", "é" as \u00e9, a quote) is not glue.
BEFORE = ["", "card ", "PAN:", "customer card ", "\n", "\t", '"', "é", "№", "(", "#", "= ", "x-"]
AFTER = ["", " charged", "\n", ".", ",", '"', ")", " é", "; exp 12/25", "/"]


def cards() -> st.SearchStrategy[tuple[str, str]]:
    return rngs.map(id_shapes.card_number)


def written(rng: random.Random, scheme: str, digits: str) -> str:
    """The card number as someone wrote it: unbroken, or in its scheme's grouping."""
    style = rng.randrange(3)
    if style == 0:
        return digits
    return id_shapes.grouped(rng, scheme, digits, " " if style == 1 else "-")


# --- ids and numbers that are not card numbers --------------------------------------------


@SETTINGS
@given(kind=never_card_kinds, rng=rngs)
def test_ids_and_numbers_are_never_masked(kind, rng):
    text = id_shapes.NEVER_CARDS[kind](rng)
    assert mask_pans(text) == text
    body = json.dumps({"id": text, "ids": [text, text], "note": f"ref {text}, ok"})
    assert mask_pans(body) == body
    assert mask_pans(json.dumps({"id": text}, separators=(",", ":"))) == json.dumps(
        {"id": text}, separators=(",", ":")
    )


@SETTINGS
@given(kinds=st.lists(never_card_kinds, min_size=2, max_size=8), rng=rngs)
def test_ids_side_by_side_in_a_body_and_headers_are_never_masked(kinds, rng):
    values = [id_shapes.NEVER_CARDS[kind](rng) for kind in kinds]
    text = " ".join(values)
    assert mask_pans(text) == text
    headers = {f"x-{i}": value for i, value in enumerate(values)}
    assert json.loads(table_json(headers)) == headers


@SETTINGS
@given(rng=rngs)
def test_uuid_message_ids_are_the_stored_identity(rng):
    message_id = rng.choice([id_shapes.uuid4_text, id_shapes.uuid1_text, id_shapes.ulid])(rng)
    raw = message(native_body(event_id=message_id), properties={"message_id": message_id})
    (event,) = decode_many(raw, RECEIVED_AT)
    assert event.event_id == message_id
    assert message_id in event.body and message_id in event.properties


@SETTINGS
@given(rng=rngs, upper=st.booleans())
def test_span_id_is_masked_only_when_it_is_indistinguishable_from_a_card(rng, upper):
    # A 16-hex-digit span id that happens to be all digits and pass Luhn is, as text, a
    # 16-digit card number: masked on purpose. Any other span id is left alone.
    span = id_shapes.span_id(rng)
    span = span.upper() if upper else span
    changed = mask_pans(f'{{"span_id": "{span}"}}') != f'{{"span_id": "{span}"}}'
    assert changed == id_shapes.all_digit_card_shaped(span)


@SETTINGS
@given(data=st.binary(min_size=8, max_size=48), kind=st.sampled_from(["b64", "b64url", "b32"]))
def test_base32_and_base64_tokens_are_masked_only_for_a_free_standing_digit_run(data, kind):
    encode = {"b64": base64.b64encode, "b64url": base64.urlsafe_b64encode}
    token = encode.get(kind, base64.b32encode)(data).decode()
    if mask_pans(token) != token:
        # Only a 13-19 digit stretch between non-alphanumerics ("+", "/", "-", "_", "=")
        # can be taken for a card number; say which, so a failure shows it.
        runs = re.findall(r"(?<![0-9A-Za-z])[0-9]{13,19}(?![0-9A-Za-z])", token)
        assert any(id_shapes.all_digit_card_shaped(run) for run in runs), token


def test_uuids_from_the_standard_library_are_never_masked():
    texts = [str(uuid.uuid4()) for _ in range(2000)] + [str(uuid.uuid1()) for _ in range(2000)]
    joined = json.dumps(texts)
    assert mask_pans(joined) == joined


# --- card numbers in the places they turn up ------------------------------------------------


@SETTINGS
@given(card=cards(), rng=rngs, before=st.sampled_from(BEFORE), after=st.sampled_from(AFTER))
def test_card_in_a_json_string_is_always_masked(card, rng, before, after):
    scheme, digits = card
    text = written(rng, scheme, digits)
    for body in (
        json.dumps({"note": before + text + after}),  # ensure_ascii: "é" becomes \u00e9
        json.dumps({"note": before + text + after}, ensure_ascii=False),
    ):
        masked = mask_pans(body)
        assert text not in masked and digits not in masked
        assert id_shapes.masked_form(text) in masked


@SETTINGS
@given(card=cards())
def test_card_as_a_bare_json_number_is_always_masked(card):
    _, digits = card
    for body in (f'{{"pan": {digits}}}', f'{{"pan":{digits},"x":1}}', f"[{digits}]"):
        masked = mask_pans(body)
        assert digits not in masked
        assert id_shapes.masked_form(digits) in masked


@SETTINGS
@given(card=cards(), rng=rngs, form=st.booleans())
def test_card_in_a_url_query_is_always_masked(card, rng, form):
    scheme, digits = card
    value = id_shapes.grouped(rng, scheme, digits, "+") if form else digits
    url = f"https://shop.example/pay?card={value}&amount=1250&note=paid+with+{digits}"
    masked = mask_pans(url)
    assert value not in masked and digits not in masked
    assert masked.count(id_shapes.masked_form(value)) >= 1


@SETTINGS
@given(card=cards(), rng=rngs, as_bytes=st.booleans())
def test_card_in_a_header_never_reaches_the_event(card, rng, as_bytes):
    scheme, digits = card
    text = written(rng, scheme, digits)
    value = text.encode() if as_bytes else text
    raw = message(native_body(), headers={"x-card": value, "x-note": f"card {digits}"})
    (event,) = decode_many(raw, RECEIVED_AT)
    assert text not in event.headers and digits not in event.headers
    assert json.loads(event.headers)["x-card"] == id_shapes.masked_form(text)


@SETTINGS
@given(
    card=cards(),
    rng=rngs,
    before=st.sampled_from([b"\xff", b"caf\xe9 ", b"\xfe\xff note ", b"\x80\x81"]),
    after=st.sampled_from([b"", b"\xe9", b" \xff\xfe"]),
)
def test_card_in_a_body_that_is_not_utf8_is_always_masked(card, rng, before, after):
    scheme, digits = card
    text = written(rng, scheme, digits)
    raw = message(b"<note>" + before + text.encode() + after + b"</note>")
    (event,) = decode_many(raw, RECEIVED_AT)
    assert event.decode_error is not None and event.decode_error.startswith("not UTF-8")
    assert text not in event.body and digits not in event.body
    assert id_shapes.masked_form(text) in event.body


@SETTINGS
@given(card=cards(), rng=rngs)
def test_card_in_a_message_id_or_event_id_is_never_stored(card, rng):
    scheme, digits = card
    text = written(rng, scheme, digits)
    raw = message(native_body(event_id=text, payment_id=text), properties={"message_id": text})
    (event,) = decode_many(raw, RECEIVED_AT)
    assert event.event_id.startswith("id-sha256:")
    for value in (event.event_id, event.properties, event.body, event.payment_id or ""):
        assert text not in value and digits not in value


@SETTINGS
@given(card=cards(), rng=rngs, encoding=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be"]))
def test_card_in_a_utf16_body_is_always_masked(card, rng, encoding):
    scheme, digits = card
    text = written(rng, scheme, digits)
    raw = message(f'{{"note": "card {text} charged"}}'.encode(encoding))
    (event,) = decode_many(raw, RECEIVED_AT)
    assert text not in event.body and digits not in event.body
    assert id_shapes.masked_form(text) in event.body
