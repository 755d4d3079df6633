"""Series count events by when they occurred, so a backlog caught up after a restart is no spike.

Issue 9, finding 9: after a restart the throughput chart drew the catch-up of the backlog as
10,000 events/min in the minute it arrived. The series now bucket by occurred_at (received_at
for events that do not say when they occurred); whole-window figures keep received_at.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from opsdesk.events.model import PaymentEvent
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.statistics.reader import Statistics
from opsdesk.store.statistics.values import Dimension, Selector
from opsdesk.store.statistics.windows import PRESETS, Window
from tests.store.history_factory import at, event, write


def happened(e: PaymentEvent, when: datetime | None) -> PaymentEvent:
    """`e` as received, but occurred at `when` (None: the producer did not say)."""
    return replace(e, occurred_at=None if when is None else utc_iso(when))


def backlog(start: float, end: float, received: float, n: int) -> list[PaymentEvent]:
    """`n` payments that occurred evenly over [start, end) and all arrived at `received`."""
    events = []
    for i in range(n):
        when = at(start + (end - start) * i / n)
        kind = "payment.failed" if i % 10 == 0 else "payment.succeeded"
        events.append(happened(event(at(received + i * 0.001), kind), when))
    return events


def test_a_caught_up_backlog_is_counted_when_it_happened_not_when_it_arrived(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite"
    # An hour of 30 payments a minute, all read in the last 20 s after a restart.
    write(path, backlog(0, 3600, 3590, 1800))
    window = Window.last(PRESETS["1h"], at(3599))
    with Statistics(path) as stats:
        series = stats.series(window, now=at(3599))
        totals = series.totals
        assert sum(totals) == 1800
        # 30 s buckets: 15 events each, nowhere 1,800 at once.
        assert max(totals) <= 16
        assert totals[-1] <= 16
        rates = stats.rate_series(window, now=at(3599))
        assert sum(rates.failed) == 180 and max(rates.failed) <= 2
        codes = stats.failure_code_series(window)
        assert max(codes.by_code["card_declined"]) <= 2
        acme = stats.rate_series(window, Selector(Dimension.MERCHANT, "acme"), now=at(3599))
        assert max(a + b for a, b in zip(acme.succeeded, acme.failed, strict=True)) <= 16
        # Whole-window figures are about arrivals: what came in during the last 5 minutes.
        assert stats.outcomes(at(3300), at(3600)) == (1620, 180)


def test_events_that_do_not_say_when_they_occurred_count_when_received(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    write(
        path,
        [
            happened(event(at(100)), None),
            happened(event(at(100), "payment.failed"), None),
            happened(event(at(200)), at(45)),
            event(at(300), None),  # undecodable: no type, status unknown, no time
        ],
    )
    window = Window.last(PRESETS["15m"], at(899))
    with Statistics(path) as stats:
        series = stats.series(window, now=at(899))
        assert series.by_status["succeeded"][10] == 1  # [100, 110)
        assert series.by_status["failed"][10] == 1
        assert series.by_status["succeeded"][4] == 1  # occurred at 45
        assert series.by_status["succeeded"][20] == 0  # not when it arrived (200)
        codes = stats.failure_code_series(window)
        assert codes.by_code["card_declined"][10] == 1


def test_a_refresh_takes_in_a_backlog_that_arrives_late(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    write(path, [event(at(3000 + i)) for i in range(10)])
    window = Window.last(PRESETS["1h"], at(3599))
    with Statistics(path) as stats:
        series = stats.series(window, now=at(3599))
        merchant = Selector(Dimension.MERCHANT, "acme")
        rates = stats.rate_series(window, merchant, now=at(3599))
        # Received after the last read, occurred twenty minutes to an hour ago.
        write(path, backlog(100, 2400, 3600, 300))
        series = stats.refresh(series, at(3605))
        rates = stats.refresh_rates(rates, at(3605))
        full = stats.series(Window.last(PRESETS["1h"], at(3605)), now=at(3605))
        assert series.by_status == full.by_status
        assert sum(series.totals) == 310
        full_rates = stats.rate_series(full.window, merchant, now=at(3605))
        assert (rates.succeeded, rates.failed) == (full_rates.succeeded, full_rates.failed)


def test_refresh_equals_recompute_with_late_and_undated_events(tmp_path: Path) -> None:
    rng = random.Random(11)
    path = tmp_path / "history.sqlite"

    def traffic(start: datetime, end: datetime, n: int) -> list[PaymentEvent]:
        span = (end - start).total_seconds()
        events = []
        for _ in range(n):
            received = start + timedelta(seconds=rng.uniform(0, span))
            lag = rng.choice([0.0, 0.2, 3.0, 400.0, 5000.0, None])
            when = None if lag is None else received - timedelta(seconds=lag)
            kind = rng.choice(["payment.succeeded", "payment.failed", "payment.requested"])
            merchant = rng.choice(["acme", "globex", None])
            events.append(happened(event(received, kind, merchant=merchant), when))
        return events

    now = at(3600 + 77)
    write(path, traffic(at(-600), now, 600))
    with Statistics(path) as stats:
        series = stats.series(Window.last(PRESETS["1h"], now), now=now)
        rates = stats.rate_series(series.window, Selector(Dimension.MERCHANT, "acme"), now=now)
        for step in (5, 40, 900, 2):
            later = now + timedelta(seconds=step)
            write(path, traffic(now - timedelta(seconds=10), later, 80))
            series = stats.refresh(series, later)
            rates = stats.refresh_rates(rates, later)
            full = stats.series(Window.last(PRESETS["1h"], later), now=later)
            assert series.by_status == full.by_status
            full_rates = stats.rate_series(full.window, rates.selector, now=later)
            assert (rates.succeeded, rates.failed) == (full_rates.succeeded, full_rates.failed)
            now = later
