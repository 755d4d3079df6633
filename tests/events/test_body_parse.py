"""The body parser (orjson where it agrees with json) gives exactly what json.loads gives.

Value for value, type for type (an integer stays an integer, however long), and the same
error with the same message where json.loads fails.
"""

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsdesk.events.decode import _parse, _read_body
from opsdesk.events.masking import may_hold_pan

SETTINGS = settings(
    max_examples=int(os.environ.get("OPSDESK_PROPERTY_EXAMPLES", "300")), deadline=None
)
EDGES = [
    '{"a": 1, "a": 2}',
    "-0",
    "1e400",
    "-1e400",
    "1.7976931348623157e309",
    "5e-324",
    "2.4e-324",
    "[1e-400]",
    "123456789012345678901234567890",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    '{"amount_minor": 99999999999999999999, "payment_id": 12345678901234567890123}',
    '{"amount_minor": -99999999999999999999}',
    "12345678901234567890e-5",
    '"\\ud800"',
    '{"id": "\\udfff\\ud800"}',
    "NaN",
    "-Infinity",
    "[NaN, 1]",
    "[" * 5000 + "]" * 5000,
    '{"a": "\\u0000\\u2028"}',
    " \t\n\r{}",
    "\x0c{}",
    "[1,]",
    '{"a": "\x01"}',
    "01",
    "1.",
    ".5",
    "'a'",
    '"abc',
    "{} x",
    "",
    "   ",
]


def outcome(parse: object, text: str) -> tuple[str, object]:
    try:
        return "value", parse(text)  # type: ignore[operator]
    except json.JSONDecodeError as exc:
        return "error", (exc.msg, exc.lineno, exc.colno)
    except RecursionError:
        return "error", "recursion"


def same(a: object, b: object) -> bool:
    """Equal with the same types throughout (1 == 1.0 does not count; NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float):
        return repr(a) == repr(b)
    if isinstance(a, tuple):
        return a == b
    return a == b


def check(text: str) -> None:
    expected = outcome(json.loads, text)
    got = outcome(lambda t: _parse(t, may_hold_pan(t)), text)
    assert got[0] == expected[0], (text[:80], got, expected)
    assert same(got[1], expected[1]), (text[:80], got, expected)


@pytest.mark.parametrize("text", EDGES, ids=range(len(EDGES)))
def test_edges_parse_as_json_parses_them(text: str) -> None:
    check(text)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@SETTINGS
@given(json_values)
def test_generated_json_parses_as_json_parses_it(value: object) -> None:
    check(json.dumps(value))
    check(json.dumps(value, ensure_ascii=False))


@SETTINGS
@given(st.text(alphabet='0123456789-+.eE[]{}",: \\ud800nNaIfity', max_size=40))
def test_number_soup_parses_as_json_parses_it(text: str) -> None:
    check(text)


def test_a_long_integer_amount_stays_an_integer() -> None:
    body = _read_body(b'{"amount_minor": 123456789012345678901234567890}')
    assert body.parsed == {"amount_minor": 123456789012345678901234567890}
    assert type(body.parsed["amount_minor"]) is int
