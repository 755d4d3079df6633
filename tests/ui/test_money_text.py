import pytest

from opsdesk.ui.money_text import format_amount, minor_unit_exponent


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (1234, "EUR", "12.34 EUR"),
        (5, "EUR", "0.05 EUR"),
        (0, "USD", "0.00 USD"),
        (-1234, "EUR", "-12.34 EUR"),
        (-5, "GBP", "-0.05 GBP"),
        (500, "JPY", "500 JPY"),
        (-500, "KRW", "-500 KRW"),
        (1234, "BHD", "1.234 BHD"),
        (1, "KWD", "0.001 KWD"),
        (12345, "CLF", "1.2345 CLF"),
        (1234, "eur", "12.34 EUR"),
        (123456789012345678901234567890, "EUR", "1234567890123456789012345678.90 EUR"),
        (None, "EUR", ""),
        (None, None, ""),
        (1234, None, "1234 (minor units)"),
    ],
)
def test_format_amount(amount, currency, text):
    assert format_amount(amount, currency) == text


def test_unknown_currency_has_two_decimals():
    assert minor_unit_exponent("XYZ") == 2
