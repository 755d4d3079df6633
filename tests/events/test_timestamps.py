from datetime import UTC, datetime, timedelta, timezone

import pytest

from opsdesk.events.timestamps import to_utc_iso

NOON = "2024-05-01T12:00:00.000Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T12:00:00Z", NOON),
        ("2024-05-01T12:00:00z", NOON),
        ("2024-05-01T12:00:00.000Z", NOON),
        ("2024-05-01T14:00:00+02:00", NOON),
        ("2024-05-01T07:00:00-05:00", NOON),
        ("2024-05-01T12:00:00.123456Z", "2024-05-01T12:00:00.123Z"),
        ("2024-05-01 12:00:00", NOON),  # no offset: taken as UTC
        ("2024-02-29T23:30:00.000Z", "2024-02-29T23:30:00.000Z"),
        (1714564800, NOON),  # epoch seconds
        (1714564800.5, "2024-05-01T12:00:00.500Z"),
        (1714564800000, NOON),  # milliseconds
        (1714564800000000, NOON),  # microseconds
        (1714564800000000000, NOON),  # nanoseconds
        ("1714564800", NOON),
        ("1714564800000", NOON),
        (datetime(2024, 5, 1, 14, tzinfo=timezone(timedelta(hours=2))), NOON),
        (datetime(2024, 5, 1, 12), NOON),
    ],
)
def test_parseable_times_become_utc_iso(value, expected):
    assert to_utc_iso(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "yesterday",
        "2024-02-30T10:00:00.000Z",
        "2024-13-01T10:00:00Z",
        "12/05/2024",
        True,
        -5,
        float("nan"),
        float("inf"),
        10**30,
        "9" * 200,
        {"time": 1},
        [2024, 5, 1],
    ],
)
def test_unparseable_times_become_none(value):
    assert to_utc_iso(value) is None


def test_result_sorts_as_time():
    earlier = to_utc_iso("2024-05-01T23:00:00-03:00")  # 02:00 UTC on May 2nd
    later = to_utc_iso(datetime(2024, 5, 2, 3, tzinfo=UTC))
    assert earlier is not None and later is not None
    assert earlier < later


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T12:00:00Z",
        "2024-05-01T12:00:00z",
        "2024-05-01T12:00:00+00:00",
        "2024-05-01T12:00:00.987Z",
        "2024-05-01T12:00:00.987654Z",
        "2024-05-01T12:00:00.987654+00:00",
        "2024-05-01T12:00:00.9Z",  # fraction fromisoformat (3.11) rejects: None both ways
        "2024-05-01T12:00:00.98765Z",
        "2024-02-28T23:59:59Z",
        "2024-02-29T00:00:00Z",  # day 29+: the slow path checks the calendar
        "2023-02-29T00:00:00Z",
        "2024-05-01T24:00:00Z",
        "2024-05-01T12:00:00+00:30",
    ],
)
def test_the_utc_fast_path_agrees_with_the_parser(text):
    """Shapes the regex takes give exactly what parsing them as datetimes gives."""
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
        expected = moment.astimezone(UTC).isoformat(timespec="milliseconds")
        expected = expected.replace("+00:00", "Z")
    except ValueError:
        expected = None
    assert to_utc_iso(text) == expected
