"""A live refresh re-reads only the unsettled buckets and still equals a full recomputation."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from opsdesk.events.model import PaymentEvent
from opsdesk.store.statistics.reader import Statistics
from opsdesk.store.statistics.series import plan_refresh
from opsdesk.store.statistics.values import Dimension, Selector
from opsdesk.store.statistics.windows import PRESETS, Window
from tests.store.history_factory import STATUS_OF_TYPE, at, event, write

TYPES = [*STATUS_OF_TYPE, None, "order.shipped"]


def traffic(rng: random.Random, start: datetime, end: datetime, n: int) -> list[PaymentEvent]:
    """`n` events of random types, merchants and currencies received in [start, end)."""
    span = (end - start).total_seconds()
    return [
        event(
            start + timedelta(seconds=rng.uniform(0, span)),
            rng.choice(TYPES),
            merchant=rng.choice(["acme", "globex", None]),
            currency=rng.choice(["EUR", "USD"]),
        )
        for _ in range(n)
    ]


def test_refresh_equals_full_recompute_as_time_moves_on(tmp_path: Path) -> None:
    rng = random.Random(3)
    path = tmp_path / "history.sqlite"
    now = at(3600 + 123)
    write(path, traffic(rng, at(-600), now, 800))
    with Statistics(path) as stats:
        series = stats.series(Window.last(PRESETS["1h"], now), now=now)
        acme = Selector(Dimension.MERCHANT, "acme")
        rates = stats.rate_series(series.window, acme, now=now)
        # Steps inside one bucket, across a few, and past the whole window.
        for step in (7, 45, 1200, 4 * 3600, 3):
            later = now + timedelta(seconds=step)
            # Includes events received just before `now` but committed after the last read.
            write(path, traffic(rng, now - timedelta(seconds=10), later, 60))
            series = stats.refresh(series, later)
            rates = stats.refresh_rates(rates, later)
            full = stats.series(Window.last(PRESETS["1h"], later), now=later)
            assert series.window == full.window
            assert series.bucket_starts == full.bucket_starts
            assert series.by_status == full.by_status
            full_rates = stats.rate_series(full.window, acme, now=later)
            assert (rates.succeeded, rates.failed) == (full_rates.succeeded, full_rates.failed)
            now = later


def test_refresh_reads_only_from_the_last_settled_bucket() -> None:
    window = Window.last(PRESETS["24h"], at(86_000))
    plan = plan_refresh(window, at(86_000), at(86_005))
    assert plan.window == window
    # The window is [-300, 86,100); 86,000 - 30 s of settling lies in its last bucket.
    assert (plan.first, window.bucket_count) == (287, 288)
    moved = plan_refresh(window, at(86_000), at(86_400))
    assert moved.window.start == window.start + timedelta(seconds=600)
    assert (moved.first, moved.shift) == (285, 2)
    back = plan_refresh(window, at(86_000), at(85_000))
    assert back.first == 0  # the clock went back: everything is read again
    # Something received since the last read occurred two hours ago: read from its bucket.
    late = plan_refresh(window, at(86_000), at(86_005), earliest=at(86_000 - 7200))
    assert (late.first, late.window) == (287 - 24, window)
