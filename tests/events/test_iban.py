import random

import pytest

from opsdesk.events.iban import iban_covers
from opsdesk.events.masking import luhn_valid, mask_pans
from tests.events import id_shapes


@pytest.mark.parametrize(
    "text",
    [
        "GB29 NWBK 6016 1331 9268 19",  # the standard's examples, printed and electronic
        "GB29NWBK60161331926819",
        "DE89 3704 0044 0532 0130 00",
        "NO9386011117947",
        "VG96 VPVG 0000 0123 4567 8901",
    ],
)
def test_valid_ibans_cover_their_digits(text):
    assert iban_covers(text, len(text) - 6, len(text))


@pytest.mark.parametrize(
    "text",
    [
        "GB29 NWBK 6016 1331 9268 18",  # check digits do not match
        "card: 4111 1111 1111 1111",
        "GB29 NWBK",  # too short
    ],
)
def test_other_texts_are_no_iban(text):
    assert not iban_covers(text, len(text) - 4, len(text))


def test_printed_iban_with_card_shaped_digits_is_not_masked():
    # A GB IBAN holds 14 digits after its bank code, printed 4-4-4-2 like a card entered in a
    # form; one in ten passes Luhn. This one does: without the IBAN check it was masked.
    text = "GB50 NWBK 3607 5983 8675 65"
    assert luhn_valid("36075983867565")
    assert mask_pans(text) == text
    assert mask_pans(f"pay to {text}, thanks") == f"pay to {text}, thanks"


def test_generated_ibans_pass_the_check():
    rng = random.Random(4)
    for _ in range(500):
        text = id_shapes.iban(rng)
        assert iban_covers(text, len(text) - 2, len(text)), text
