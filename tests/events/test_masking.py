import json

import pytest

from opsdesk.events.masking import luhn_valid, mask_pans, may_hold_pan


def with_check_digit(payload: str) -> str:
    """`payload` plus the digit that makes it Luhn-valid."""
    for digit in "0123456789":
        if luhn_valid(payload + digit):
            return payload + digit
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("pan", "masked"),
    [
        ("4111111111111111", "411111******1111"),  # Visa
        ("4012888888881881", "401288******1881"),  # Visa
        ("4222222222222", "422222***2222"),  # Visa, 13 digits
        ("5555555555554444", "555555******4444"),  # Mastercard
        ("2223003122003222", "222300******3222"),  # Mastercard 2-series
        ("378282246310005", "378282*****0005"),  # Amex, 15 digits
        ("30569309025904", "305693****5904"),  # Diners, 14 digits
        ("6011111111111117", "601111******1117"),  # Discover
    ],
)
def test_plain_pans_keep_first_six_and_last_four(pan, masked):
    assert mask_pans(pan) == masked
    assert mask_pans(f"card {pan} charged") == f"card {masked} charged"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("4111 1111 1111 1111", "4111 11** **** 1111"),
        ("4111-1111-1111-1111", "4111-11**-****-1111"),
        ("5555 5555 5555 4444", "5555 55** **** 4444"),
        ("5555-5555-5555-4444", "5555-55**-****-4444"),
        ("3782 822463 10005", "3782 82**** *0005"),
        ("3782-822463-10005", "3782-82****-*0005"),
    ],
)
def test_grouped_pans_are_masked_with_separators_kept(text, masked):
    assert mask_pans(text) == masked
    assert len(mask_pans(text)) == len(text)


def test_nineteen_digit_pan_is_masked():
    pan = with_check_digit("622126000000000000")
    assert len(pan) == 19
    assert mask_pans(pan) == pan[:6] + "*" * 9 + pan[-4:]


def test_two_pans_in_one_spaced_run_are_both_masked():
    text = "4111 1111 1111 1111 5555 5555 5555 4444"
    assert mask_pans(text) == "4111 11** **** 1111 5555 55** **** 4444"


def test_pan_followed_by_expiry_is_still_masked():
    assert mask_pans("card 4111 1111 1111 1111 12 25") == "card 4111 11** **** 1111 12 25"


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111112",  # Visa test number with a wrong check digit
        "order 1234567890123",  # 13 digits, fails Luhn
        "5555-5555-5555-4445",
        "ref 12345678901234567890123",  # 23 digits: a reference, not a PAN
        "411111111111",  # 12 digits: too short even though it passes Luhn
    ],
)
def test_non_pans_are_untouched(text):
    assert mask_pans(text) == text


@pytest.mark.parametrize("number", ["4111111111111112", "1234567890123", "5555555555554445"])
def test_luhn_rejects_wrong_check_digits(number):
    assert not luhn_valid(number)


def test_too_long_luhn_valid_run_is_untouched():
    twenty = with_check_digit("4111111111111111111")
    assert len(twenty) == 20
    assert mask_pans(twenty) == twenty


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-15T10:00:00Z",
        "2024-01-15T10:00:00.123+02:00",
        "2024-01-15 10:00:00",
        "from 2024-01-15 2024-02-15 to 2024-03-15",
        '{"amount_minor": 1250, "amount": "12.50", "currency": "EUR"}',
        "amount 1 250 000 EUR",
    ],
)
def test_dates_and_amounts_are_untouched(text):
    assert mask_pans(text) == text


def test_epoch_millisecond_timestamp_is_untouched_even_when_luhn_valid():
    millis = with_check_digit("170000000000")
    assert len(millis) == 13 and luhn_valid(millis)
    assert mask_pans(f'{{"ts": {millis}}}') == f'{{"ts": {millis}}}'


def test_decimal_fraction_is_untouched():
    text = '{"ratio": 0.4111111111111111, "big": 4111111111111111.5}'
    assert mask_pans(text) == text


def test_pan_glued_to_letters_is_masked():
    # In JSON text a newline is "\n": the PAN follows the letter n.
    assert mask_pans("line\\n4111111111111111") == "line\\n411111******1111"


def test_pan_in_json_text_keeps_it_valid_json():
    body = json.dumps({"note": "customer card 4111 1111 1111 1111 charged", "amount_minor": 1250})
    masked = mask_pans(body)
    assert json.loads(masked) == {
        "note": "customer card 4111 11** **** 1111 charged",
        "amount_minor": 1250,
    }


def test_non_ascii_digits_do_not_break_masking():
    text = "x\u0664\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661"
    assert mask_pans(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", False),
        ("short 1234", False),
        ('{"occurred_at": "2024-01-15T10:00:00.000Z", "amount_minor": 1250}', False),
        ("4111 1111 1111 1111", True),
        ("x 1700000000000 y", True),  # a candidate; the full check then leaves it alone
    ],
)
def test_precheck_clears_texts_without_a_long_digit_run(text, expected):
    assert may_hold_pan(text) is expected


def test_text_without_pan_is_returned_as_is():
    text = '{"payment_id": "pay_123", "amount_minor": 999}' * 20
    assert mask_pans(text) is text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("café 4111 1111 1111 1111 — merci", "café 4111 11** **** 1111 — merci"),
        ("😀😀 4111111111111111 ✓", "😀😀 411111******1111 ✓"),
        ("ünïcödé\ud800 5555-5555-5555-4444", "ünïcödé\ud800 5555-55**-****-4444"),
    ],
)
def test_pan_after_non_ascii_text_is_masked_in_place(text, masked):
    assert mask_pans(text) == masked


def test_pan_in_a_region_that_starts_with_a_date_is_masked():
    text = "on 2024-01-15 4111 1111 1111 1111 and 2024-02-01 10 00 5555555555554444"
    expected = "on 2024-01-15 4111 11** **** 1111 and 2024-02-01 10 00 555555******4444"
    assert mask_pans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "313874cd-dfbc-423d-b246-548991270564",  # UUIDs the old masker starred
        "b18c8632-2266-4668-8665-0967dbc38a39",
        "9a613169-3054-4859-ba10-3e1fd980d5fe",
        "4bf92f3577b34da6a3ce929d0e0e4736",  # hex trace id with a 13+ digit stretch inside
        "00-4bf92f3577b34da6a3ce929d0e0e4736-4111111111111111-01",  # traceparent, digit span id
        "01HGW2N7XJ4111111111111111",  # ULID-shaped token
        "dGVzdDQxMTExMTExMTExMTExMTE4111111111111111",  # base64-ish token
        "DE89370400440532013000",  # IBAN, electronic form
        "DE89 3704 0044 0532 0130 00",  # IBAN, printed in groups of four
        "ES91 2100 0418 4502 0005 1332",
        "9400 1000 0000 0000 0000 00",  # parcel tracking number printed in fours
        "+4915112345678",  # E.164 phone number
        "tel:+378282246310005",  # 15 digits after "+": a phone number, not an Amex
        "card4111111111111111",  # glued to letters: reads as an id (the price of precision)
        "4111-1111 1111-1111",  # mixed separators: not a printed grouping
        "4111 1111 1111 1111 1234",  # a 4-digit group beside it: a longer number
        "4111  1111  1111  1111",  # double spaces: not a grouping
    ],
)
def test_ids_and_numbers_that_only_look_like_card_numbers_are_untouched(text):
    assert mask_pans(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ('{"note": "x\\n4111111111111111"}', '{"note": "x\\n411111******1111"}'),
        ('{"note": "\\"4111111111111111\\""}', '{"note": "\\"411111******1111\\""}'),
        ('{"note": "caf\\u00e94111111111111111"}', '{"note": "caf\\u00e9411111******1111"}'),
        ('{"n": "\\u00124111111111111111"}', '{"n": "\\u0012411111******1111"}'),
        ("caf\\xe94111111111111111", "caf\\xe9411111******1111"),  # a body that was not UTF-8
        ("\\x124111111111111111", "\\x12411111******1111"),
        ("/pay?card=4111111111111111&cvv=123", "/pay?card=411111******1111&cvv=123"),
        ("/pay?card=4111+1111+1111+1111&x=1", "/pay?card=4111+11**+****+1111&x=1"),
        ("/pay?note=card%204111111111111111", "/pay?note=card%20411111******1111"),
        ("paid+with+4111111111111111", "paid+with+411111******1111"),
        ("+4111111111111111", "+411111******1111"),  # 16 digits: too long for a phone number
        ('{"pan": 4111111111111111}', '{"pan": 411111******1111}'),
        ("pan-5555555555554444", "pan-555555******4444"),
        ("3056 930902 5904", "3056 93**** 5904"),  # Diners Club 14, 4-6-4
        ("4111 1111 1111 1111 123", "4111 11** **** 1111 123"),  # then a CVV
    ],
)
def test_pans_after_escapes_and_in_urls_are_masked(text, masked):
    assert mask_pans(text) == masked


@pytest.mark.parametrize(
    "digits",
    [
        with_check_digit("422222222222"),  # 13, Visa
        with_check_digit("3056930902590"),  # 14, Diners
        with_check_digit("62212600000000"),  # 15, UnionPay
        with_check_digit("6011000990139"),  # 14
        with_check_digit("6304000000000000"),  # 17, Maestro
        with_check_digit("63040000000000000"),  # 18, Maestro
        with_check_digit("622126000000000000"),  # 19, UnionPay
    ],
)
def test_form_and_embossed_groupings_of_every_length_are_masked(digits):
    fours = " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    form = " ".join([digits[:4], digits[4:8], digits[8:12], digits[12:]])
    for text in {fours, form, fours.replace(" ", "-"), form.replace(" ", "-")}:
        masked = mask_pans(f"card {text} ok")
        assert digits not in masked.replace(" ", "").replace("-", "")
        assert masked.count("*") == len(digits) - 10


def test_luhn_agrees_with_the_textbook_loop():
    def textbook(digits: str) -> bool:
        total = 0
        for position, char in enumerate(reversed(digits)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        return total % 10 == 0

    for number in range(0, 200_000, 7):
        digits = f"{number:0{1 + number % 19}d}"
        assert luhn_valid(digits) is textbook(digits)
