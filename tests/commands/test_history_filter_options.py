"""--since and --until: an ISO time, an age before now in the duration grammar, or 'today'."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsdesk.commands.history_filter_options import parse_time

NOW = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("15m", "2024-05-02T11:45:00.000Z"),
        ("2h", "2024-05-02T10:00:00.000Z"),
        ("1.5h", "2024-05-02T10:30:00.000Z"),
        ("7d", "2024-04-25T12:00:00.000Z"),
        ("1w", "2024-04-25T12:00:00.000Z"),
        ("today", "2024-05-02T00:00:00.000Z"),
    ],
)
def test_ages_count_back_from_now(text: str, stored: str) -> None:
    assert parse_time(text, NOW) == stored


def test_anything_else_is_left_for_the_filter_to_read() -> None:
    assert parse_time("2024-05-01T12:00:00+02:00", NOW) == "2024-05-01T12:00:00+02:00"
    assert parse_time("2024", NOW) == "2024"  # a bare number is a year, not 2024 s ago


def test_an_age_older_than_the_calendar_is_an_option_error() -> None:
    with pytest.raises(ValueError, match="before the year 1"):
        parse_time("99999999d", NOW)
