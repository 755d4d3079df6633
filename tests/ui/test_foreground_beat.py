"""The UI thread beats from its event loop; a background thread gives way while it is blocked."""

from __future__ import annotations

import threading

from opsdesk import foreground as fg
from opsdesk.foreground import Foreground
from opsdesk.ui.foreground_beat import ForegroundBeat

BLOCK_LIMIT_S = 5.0  # the UI thread is blocked until the background thread gave way, or this


def test_a_background_thread_gives_way_while_the_ui_thread_is_blocked(qtbot) -> None:
    beat = ForegroundBeat(Foreground())
    beat.start()
    paused: list[float] = []
    gave_way = threading.Event()
    done = threading.Event()

    def background() -> None:
        while not done.is_set():
            seconds = beat.foreground.give_way()
            if seconds:
                paused.append(seconds)
                gave_way.set()
            done.wait(0.001)  # a decoding loop's next message

    worker = threading.Thread(target=background, name="test-background")
    worker.start()
    try:
        qtbot.waitUntil(lambda: not beat.foreground.is_late())
        # The UI thread blocks here, beating nothing, until the worker finds it late.
        assert gave_way.wait(BLOCK_LIMIT_S)
        assert beat.foreground.since_beat() > fg.LATE_S
        # Back in the event loop, the UI thread beats again.
        qtbot.waitUntil(lambda: beat.foreground.since_beat() < fg.LATE_S, timeout=1000)
    finally:
        done.set()
        worker.join()
        beat.stop()
    assert 0 < max(paused) <= fg.MAX_GIVE_S + 0.05


def test_stopping_the_beat_releases_every_background_thread(qtbot) -> None:
    beat = ForegroundBeat(Foreground())
    beat.start()
    beat.stop()  # as the desk does first when the window closes
    assert beat.foreground.stopped
    assert not beat.foreground.is_late()
    assert beat.foreground.give_way() == 0.0
