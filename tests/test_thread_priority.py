"""Background threads run below the UI thread's priority, without touching the process's."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from opsdesk.thread_priority import BACKGROUND_NICENESS, MAX_NICENESS, lower_this_thread

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's"
)


def _own_priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _in_a_thread(action) -> list[int]:
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.extend(action()))
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    return seen


def test_a_lowered_thread_runs_below_the_rest_of_the_process() -> None:
    before = _own_priority()

    def lower() -> list[int]:
        start = _own_priority()
        lower_this_thread()
        return [start, _own_priority()]

    start, lowered = _in_a_thread(lower)
    assert lowered == min(start + BACKGROUND_NICENESS, MAX_NICENESS) and lowered > start
    assert _own_priority() == before  # the calling (UI) thread keeps its priority
    # A new thread starts from the process's priority again, not from the lowered one.
    assert _in_a_thread(lambda: [_own_priority()]) == [start]


def test_lowering_stops_at_the_lowest_priority() -> None:
    def lower_twice() -> list[int]:
        lower_this_thread(MAX_NICENESS)
        lower_this_thread(MAX_NICENESS)
        return [_own_priority()]

    assert _in_a_thread(lower_twice) == [MAX_NICENESS]
