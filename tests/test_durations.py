"""The duration grammar every command reads ages and relative times with."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsdesk.durations import duration_seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("15min", 900),
        ("2h", 7200),
        ("7d", 604_800),
        ("1w", 604_800),
        ("1.5h", 5400),
        ("0.5m", 30),
        (" 15 MIN ", 900),
        ("2H", 7200),
        ("0s", 0),
    ],
)
def test_a_number_and_a_unit(text: str, seconds: float) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "h", "15", "15x", "15mins", "-5m", "1e3s", "1,5h", "15m ago", "2024-05-01", "1.h"]
)
def test_anything_else_is_not_a_duration(text: str) -> None:
    assert duration_seconds(text) is None


def test_a_bare_number_takes_the_callers_unit() -> None:
    assert duration_seconds("90", bare_unit="s") == 90
    assert duration_seconds("2.5", bare_unit="m") == 150
    assert duration_seconds("2h", bare_unit="s") == 7200  # a unit given wins
    assert duration_seconds("90") is None


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["s", "m", "min", "h", "d", "w"]))
def test_every_whole_number_of_every_unit_reads_back(number: int, unit: str) -> None:
    per_unit = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604_800}[unit]
    assert duration_seconds(f"{number}{unit}") == number * per_unit
    assert duration_seconds(f"{number} {unit.upper()}") == number * per_unit
