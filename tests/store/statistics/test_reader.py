"""Statistics on generated histories with known answers: buckets, rates, breakdowns, latency."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from opsdesk.events.model import PaymentEvent
from opsdesk.store.statistics import breakdown
from opsdesk.store.statistics.reader import Statistics
from opsdesk.store.statistics.values import (
    NO_VALUE,
    OTHER_CODES,
    OVERALL,
    BreakdownRow,
    Dimension,
    Selector,
)
from opsdesk.store.statistics.windows import PRESETS, Window, bucket_seconds_for, epoch
from tests.store.history_factory import at, event, lifecycle, write

OpenStats = Callable[[list[PaymentEvent]], Statistics]


@pytest.fixture
def open_stats(tmp_path: Path) -> Iterator[OpenStats]:
    """Write the events, open the history read-only."""
    opened: list[Statistics] = []

    def make(events: list[PaymentEvent]) -> Statistics:
        path = tmp_path / "history.sqlite"
        write(path, events)
        stats = Statistics(path)
        opened.append(stats)
        return stats

    yield make
    for stats in opened:
        stats.close()


def test_bucket_size_follows_the_window() -> None:
    assert [bucket_seconds_for(PRESETS[k]) for k in ("15m", "1h", "24h", "7d")] == [
        10,
        30,
        300,
        3600,
    ]
    for span in (timedelta(minutes=5), timedelta(hours=2), timedelta(hours=3),
                 timedelta(hours=12), timedelta(days=2), timedelta(days=30)):  # fmt: skip
        buckets = span.total_seconds() / bucket_seconds_for(span)
        assert 100 <= buckets <= 300, (span, buckets)


def test_windows_are_cut_into_whole_epoch_aligned_buckets() -> None:
    window = Window.last(PRESETS["15m"], at(903))
    assert (window.start, window.end, window.bucket_seconds) == (at(10), at(910), 10)
    assert window.bucket_count == 90
    assert window.bucket_starts()[:2] == (int(epoch(at(10))), int(epoch(at(20))))
    custom = Window.between(at(5), at(3607))
    # 3602 s is no preset: the finest ladder size giving at most 300 buckets.
    assert (custom.start, custom.end, custom.bucket_seconds) == (at(0), at(3615), 15)
    with pytest.raises(ValueError):
        Window.between(at(10), at(10))


def test_counts_and_success_rate_per_bucket(open_stats: OpenStats) -> None:
    events = [
        *(event(at(1 + i)) for i in range(3)),
        event(at(4), "payment.failed"),
        event(at(5), "payment.requested"),
        event(at(9.999), "payment.requested"),
        event(at(12), None),  # undecodable: no type, status unknown
        event(at(20), "payment.failed"),
        event(at(29.999), "payment.failed"),
        event(at(31), "payment.refunded"),
        event(at(32), "payment.requested"),
        event(at(895), "payment.succeeded"),
        event(at(-0.001), "payment.failed"),  # before the window
        event(at(900), "payment.failed"),  # after it
    ]
    stats = open_stats(events)
    series = stats.series(Window.last(PRESETS["15m"], at(899)), now=at(899))

    assert len(series.bucket_starts) == 90
    assert series.bucket_starts[0] == int(epoch(at(0)))
    rate = series.success_rate
    assert (rate[0], rate[1], rate[2], rate[3], rate[89]) == (0.75, None, 0.0, None, 1.0)
    assert series.by_status["succeeded"][0] == 3
    assert series.by_status["pending"][:4] == (2, 0, 0, 1)
    assert series.by_status["unknown"][:2] == (0, 1)
    assert series.by_status["refunded"][3] == 1
    assert series.by_status["failed"][:3] == (1, 0, 2)
    assert sum(series.totals) == 12


def _merchant_history() -> list[PaymentEvent]:
    acme = {"merchant": "acme", "currency": "EUR"}
    globex = {"merchant": "globex", "currency": "USD"}
    initech = {"merchant": "initech", "currency": "USD"}
    return [
        *(event(at(i), **acme) for i in range(4)),  # type: ignore[arg-type]
        event(at(5), "payment.failed", error_code="card_declined", **acme),  # type: ignore[arg-type]
        event(at(301), "payment.failed", error_code="insufficient_funds", **acme),  # type: ignore[arg-type]
        event(at(6), **globex),  # type: ignore[arg-type]
        event(at(7), "payment.failed", error_code="card_declined", **globex),  # type: ignore[arg-type]
        event(at(8), "payment.failed", error_code="card_declined", **globex),  # type: ignore[arg-type]
        event(at(9), "payment.failed", error_code="gateway_timeout", **globex),  # type: ignore[arg-type]
        event(at(10), **initech),  # type: ignore[arg-type]
        event(at(11), **initech),  # type: ignore[arg-type]
        event(at(12), "payment.requested", **initech),  # type: ignore[arg-type]
        event(at(13), merchant=None, currency="USD"),
    ]


def test_success_rate_per_merchant_and_currency(open_stats: OpenStats) -> None:
    stats = open_stats(_merchant_history())
    window = Window.last(PRESETS["1h"], at(3599))

    acme = stats.rate_series(window, Selector(Dimension.MERCHANT, "acme"), now=at(3599))
    assert (acme.succeeded[0], acme.failed[0], acme.failed[10]) == (4, 1, 1)
    assert (acme.success_rate[0], acme.success_rate[1], acme.success_rate[10]) == (0.8, None, 0.0)
    usd = stats.rate_series(window, Selector(Dimension.CURRENCY, "USD"))
    assert (usd.succeeded[0], usd.failed[0]) == (4, 3)
    anonymous = stats.rate_series(window, Selector(Dimension.MERCHANT, NO_VALUE))
    assert (sum(anonymous.succeeded), sum(anonymous.failed)) == (1, 0)
    overall = stats.rate_series(window, OVERALL)
    assert (sum(overall.succeeded), sum(overall.failed)) == (8, 5)
    with pytest.raises(ValueError):
        stats.rate_series(window, Selector(Dimension.ERROR_CODE, "card_declined"))


def test_failures_broken_down_by_merchant_currency_and_error_code(open_stats: OpenStats) -> None:
    stats = open_stats(_merchant_history())
    window = Window.last(PRESETS["1h"], at(3599))

    assert stats.breakdown(window, Dimension.MERCHANT) == [
        BreakdownRow("globex", 3, 4),
        BreakdownRow("acme", 2, 6),
        BreakdownRow("initech", 0, 2),
        BreakdownRow(NO_VALUE, 0, 1),
    ]
    assert stats.breakdown(window, Dimension.MERCHANT)[0].rate == 0.75
    assert stats.breakdown(window, Dimension.CURRENCY) == [
        BreakdownRow("USD", 3, 7),
        BreakdownRow("EUR", 2, 6),
    ]
    codes = stats.breakdown(window, Dimension.ERROR_CODE)
    assert codes == [
        BreakdownRow("card_declined", 3, 5),
        BreakdownRow("gateway_timeout", 1, 5),
        BreakdownRow("insufficient_funds", 1, 5),
    ]
    assert codes[0].rate == 0.6
    assert stats.breakdown(window, Dimension.MERCHANT, limit=1) == [BreakdownRow("globex", 3, 4)]


def test_failure_counts_per_error_code_over_time(open_stats: OpenStats) -> None:
    stats = open_stats(_merchant_history())
    series = stats.failure_code_series(Window.last(PRESETS["1h"], at(3599)), top=1)
    assert list(series.by_code) == ["card_declined", OTHER_CODES]
    assert series.by_code["card_declined"][0] == 3
    assert (series.by_code[OTHER_CODES][0], series.by_code[OTHER_CODES][10]) == (1, 1)
    assert sum(series.by_code[OTHER_CODES]) == 2


def test_latency_percentiles_from_first_event_to_outcome(open_stats: OpenStats) -> None:
    events = []
    for i in range(1, 101):  # payment i takes i seconds
        events += lifecycle(
            f"pay-{i}", at(i * 10), [(0, "payment.requested"), (i, "payment.succeeded")]
        )
    events += lifecycle("single", at(2000), [(0, "payment.failed")])  # 0 s
    events += lifecycle("before", at(-100), [(0, "payment.requested"), (50, "payment.failed")])
    stats = open_stats(events)
    latency = stats.latency(Window.last(PRESETS["1h"], at(3599)))
    assert (latency.count, latency.sample_size, latency.sampled) == (101, 101, False)
    assert latency.p50 == pytest.approx(50, abs=0.01)
    assert latency.p90 == pytest.approx(90, abs=0.01)
    assert latency.p99 == pytest.approx(99, abs=0.01)


def test_latency_of_a_busy_window_comes_from_an_even_sample(
    open_stats: OpenStats, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = []
    for i in range(1, 201):
        events += lifecycle(f"pay-{i}", at(i), [(0, "payment.requested"), (7, "payment.failed")])
    stats = open_stats(events)
    monkeypatch.setattr(breakdown, "LATENCY_SAMPLE", 20)
    latency = stats.latency(Window.last(PRESETS["1h"], at(3599)))
    assert latency.count == 200
    assert 8 <= latency.sample_size <= 35
    assert latency.sampled
    assert latency.p50 == pytest.approx(7, abs=0.01)


def test_empty_window_has_no_rates_and_no_latency(open_stats: OpenStats) -> None:
    stats = open_stats([event(at(-7200))])
    window = Window.last(PRESETS["1h"], at(3599))
    series = stats.series(window)
    assert set(series.success_rate) == {None}
    assert sum(series.totals) == 0
    latency = stats.latency(window)
    assert (latency.count, latency.p50, latency.p99) == (0, None, None)
    assert stats.breakdown(window, Dimension.MERCHANT) == []
