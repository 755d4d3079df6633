"""HeadlineTiles: values, captions and tones for a given headline."""

from datetime import timedelta

from opsdesk.store.statistics.headline import Headline
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
    assert tiles.tiles[HeadlineTiles.SUCCESS_RATE].caption_text() == ("⚠ of 100 outcomes, 15 min")
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
