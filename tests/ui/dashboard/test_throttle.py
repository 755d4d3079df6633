"""Throttle: the first request runs at once, a burst after it runs once more."""

from opsdesk.ui.dashboard.throttle import Throttle


def test_first_request_runs_at_once_and_a_burst_coalesces_into_one_call(qtbot):
    calls = []
    throttle = Throttle(lambda: calls.append(len(calls)), 100)
    throttle.request()
    assert calls == [0]
    for _ in range(50):
        throttle.request()
    assert calls == [0] and throttle.pending
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=2000)
    # No timer left armed: a burst must not leave a second deferred call behind.
    assert len(calls) == 2 and not throttle.pending
    qtbot.waitUntil(lambda: throttle.ready, timeout=2000)
    throttle.request()  # once the interval is over, a request runs at once again
    assert len(calls) == 3


def test_flush_runs_the_pending_call_now_and_cancel_drops_it(qtbot):
    calls = []
    throttle = Throttle(lambda: calls.append(1), 10_000)
    throttle.request()
    throttle.request()
    throttle.flush()
    assert len(calls) == 2
    throttle.request()
    throttle.cancel()
    assert len(calls) == 2 and not throttle.pending
