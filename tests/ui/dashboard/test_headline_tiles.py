"""HeadlineTiles: values, captions and tones for a given headline."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from opsdesk.store.statistics.headline import Headline
from opsdesk.store.statistics.values import CountBasis
from opsdesk.store.statistics.windows import PRESETS, Window
from opsdesk.ui.dashboard.headline_tiles import NO_DATA, HeadlineTiles, Tone


def test_tiles_show_each_figure_with_a_tone(qtbot):
    tiles = HeadlineTiles()
    qtbot.addWidget(tiles)
    tiles.show_headline(
        Headline(
            success_rate=0.9,
            outcomes=100,
            rate_window=timedelta(minutes=15),
            failures_5m=4,
            oldest_stuck_seconds=1800.0,
            messages_waiting=1234,
            dead_letter_depth=7,
        )
    )
    assert tiles.value_text(HeadlineTiles.SUCCESS_RATE) == "90.0 %"
    assert tiles.tiles[HeadlineTiles.SUCCESS_RATE].caption_text() == ("⚠ of 100 attempts, 15 min")
    assert tiles.tiles[HeadlineTiles.SUCCESS_RATE].tone is Tone.WARNING
    assert tiles.value_text(HeadlineTiles.FAILURES) == "4"
    assert tiles.value_text(HeadlineTiles.WAITING) == "1,234"
    assert tiles.value_text(HeadlineTiles.DEAD_LETTERS) == "7"
    assert tiles.tiles[HeadlineTiles.DEAD_LETTERS].tone is Tone.PROBLEM
    assert tiles.value_text(HeadlineTiles.OLDEST_STUCK) == "30m 00s"


def test_no_data_is_a_dash_not_a_zero(qtbot):
    tiles = HeadlineTiles()
    qtbot.addWidget(tiles)
    tiles.show_headline(Headline(None, 0, timedelta(minutes=15), 0, None, None, None))
    for key in (
        HeadlineTiles.SUCCESS_RATE,
        HeadlineTiles.WAITING,
        HeadlineTiles.DEAD_LETTERS,
        HeadlineTiles.OLDEST_STUCK,
    ):
        assert tiles.value_text(key) == NO_DATA
    assert tiles.value_text(HeadlineTiles.FAILURES) == "0"
    tiles.show_queue_depths(12, 0)
    assert tiles.value_text(HeadlineTiles.WAITING) == "12"
    assert tiles.value_text(HeadlineTiles.DEAD_LETTERS) == "0"
    assert tiles.tiles[HeadlineTiles.DEAD_LETTERS].tone is Tone.GOOD


def test_the_rate_and_failure_tiles_say_what_they_count_and_recoveries_have_a_tile(qtbot):
    tiles = HeadlineTiles()
    qtbot.addWidget(tiles)
    window = Window.last(PRESETS["24h"], datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    headline = Headline(
        0.98, 50, timedelta(minutes=15), 2, None, None, None, CountBasis.PAYMENT, 3, window
    )
    tiles.show_headline(headline)
    rate, failures = tiles.tiles[HeadlineTiles.SUCCESS_RATE], tiles.tiles[HeadlineTiles.FAILURES]
    assert rate.caption_text() == "✓ of 50 payments, 15 min"
    assert failures.caption_text() == "✗ failed payments"
    assert "By payment" in rate.toolTip() and "Alerts count by attempt" in rate.toolTip()
    recovered = tiles.tiles[HeadlineTiles.RECOVERED]
    assert (recovered.value_text(), recovered.tone) == ("3", Tone.GOOD)
    assert recovered.caption_text() == "↻ payments, 24 h window"
    assert "(24 h)" in recovered.toolTip()

    tiles.show_headline(replace(headline, basis=CountBasis.ATTEMPT, recovered=0))
    assert failures.caption_text() == "✗ failed attempts"
    assert "By attempt" in rate.toolTip()
    assert (recovered.value_text(), recovered.tone) == ("0", Tone.NEUTRAL)
    assert recovered.caption_text() == "none in the 24 h window"

    tiles.show_headline(replace(headline, recovered=None, recovery_window=None))
    assert recovered.value_text() == NO_DATA

    tiles.show_statistics_problem("the file is gone")
    assert recovered.tone is Tone.STALE and recovered.toolTip() == "the file is gone"
