"""Where a backfill starts, as typed and as the history records it; how far one has come."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from opsdesk.ingest.backfill_progress import BackfillProgress
from opsdesk.ingest.backfill_start import BackfillStart

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "since"),
    [
        ("first", None),
        ("FIRST", None),
        ("7d", NOW - timedelta(days=7)),
        ("90m", NOW - timedelta(minutes=90)),
        ("2026-11-26T09:00:00Z", datetime(2026, 11, 26, 9, tzinfo=UTC)),
        ("2026-11-26T10:00:00+01:00", datetime(2026, 11, 26, 9, tzinfo=UTC)),
    ],
)
def test_starts_as_typed(text: str, since: datetime | None) -> None:
    start = BackfillStart.parse(text, NOW)
    assert start.since == since
    assert BackfillStart.from_record(start.record()) == start, "recorded and read back"


def test_an_age_is_fixed_when_asked_so_a_resumed_backfill_starts_at_the_same_place() -> None:
    local_now = NOW.astimezone(timezone(timedelta(hours=2)))  # as commands' now() gives it
    start = BackfillStart.parse("1h", local_now)
    assert start.record() == "2026-11-26T11:00:00.000Z"
    assert start.offset_argument() == NOW - timedelta(hours=1)
    assert BackfillStart.parse("first").offset_argument() == "first"


def test_a_time_without_offset_is_local() -> None:
    start = BackfillStart.parse("2026-11-26T09:00")
    assert start.since == datetime(2026, 11, 26, 9).astimezone().astimezone(UTC)


def test_anything_else_is_refused_saying_what_is_expected() -> None:
    with pytest.raises(ValueError, match=r"first .*, an age .* or a time"):
        BackfillStart.parse("last tuesday")


def test_progress_is_a_fraction_of_the_offsets_once_the_target_is_known() -> None:
    assert BackfillProgress("first", first=0, reached=None).fraction() is None
    assert BackfillProgress("first", first=0, reached=49, target=None).remaining() is None
    halfway = BackfillProgress("first", first=100, reached=149, target=199, stored=50)
    assert (halfway.fraction(), halfway.remaining()) == (0.5, 50)
    assert BackfillProgress("first", done=True).fraction() == 1.0
