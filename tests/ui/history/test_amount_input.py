import pytest

from opsdesk.ui.history.amount_input import parse_major_amount


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.50", "EUR", 1250),
        ("12.5", "EUR", 1250),
        ("12,5", "EUR", 1250),
        ("12", "EUR", 1200),
        (".5", "EUR", 50),
        ("0.01", "usd", 1),
        ("1 000.00", "EUR", 100_000),
        ("-3.20", "EUR", -320),
        ("12.500", "EUR", 1250),  # trailing zeros are not extra precision
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("0.1", "CLF", 1000),
        ("99999999999999999999.99", "EUR", 9_999_999_999_999_999_999_999),
        ("", "EUR", None),
        ("   ", None, None),
    ],
)
def test_major_units_become_exact_minor_units(text, currency, minor):
    assert parse_major_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12.345", "EUR", "2 decimals at most"),
        ("12.5", "JPY", "no decimals"),
        ("abc", "EUR", "not an amount"),
        ("1e3", "EUR", "not an amount"),
        (".", "EUR", "not an amount"),
        ("12.50", None, "choose one currency"),
    ],
)
def test_what_is_not_an_amount_is_refused(text, currency, message):
    with pytest.raises(ValueError, match=message):
        parse_major_amount(text, currency)
