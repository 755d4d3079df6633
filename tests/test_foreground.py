"""When background threads give way to the UI thread, and when they never wait for it."""

from __future__ import annotations

import pytest

from opsdesk import foreground as fg
from opsdesk.foreground import Foreground


class FakeTime:
    """A clock that only moves when slept on or told to."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []
        self.on_sleep: list = []  # called after each sleep: a UI thread beating meanwhile

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        for action in self.on_sleep:
            action()


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def test_a_ui_thread_on_time_is_never_waited_for(fake: FakeTime) -> None:
    front = Foreground(fake.clock, fake.sleep)
    fake.now += fg.LATE_S * 0.9
    assert not front.is_late()
    assert front.give_way() == 0.0
    assert fake.slept == []


def test_a_late_ui_thread_is_given_way_until_it_beats(fake: FakeTime) -> None:
    front = Foreground(fake.clock, fake.sleep)
    fake.now += fg.LATE_S * 1.2
    beat_after = 3

    def beat_on_third_pause() -> None:
        if len(fake.slept) == beat_after:
            front.beat()

    fake.on_sleep.append(beat_on_third_pause)
    paused = front.give_way()
    assert fake.slept == [fg.STEP_S] * beat_after
    assert paused == pytest.approx(beat_after * fg.STEP_S)
    assert not front.is_late()


def test_giving_way_is_bounded_when_no_beat_comes(fake: FakeTime) -> None:
    front = Foreground(fake.clock, fake.sleep)
    fake.now += fg.LATE_S * 1.2
    paused = front.give_way()
    assert fg.MAX_GIVE_S <= paused < fg.MAX_GIVE_S + 2 * fg.STEP_S
    assert front.is_late()  # still late: the next call pauses again, each call bounded


def test_a_ui_thread_late_for_long_is_busy_and_not_waited_for(fake: FakeTime) -> None:
    front = Foreground(fake.clock, fake.sleep)
    fake.now += fg.HUNG_S
    assert not front.is_late()
    assert front.give_way() == 0.0


def test_nobody_waits_for_a_ui_thread_that_stopped_beating(fake: FakeTime) -> None:
    front = Foreground(fake.clock, fake.sleep)
    fake.now += fg.LATE_S * 2
    assert front.is_late()
    front.stop()  # the window is closing: its UI thread joins the workers
    assert not front.is_late()
    assert front.give_way() == 0.0
    assert fake.slept == []
