"""A replay copy is no outcome: no figure counts it, by attempt or by payment.

The history: a payment failed, an operator replayed the failure event itself (an event-level
replay: the old failure announced again) and then the payment (its request re-sent), and the
processor's answer succeeded. Beside it, a plain success whose announcement was replayed too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opsdesk.store.statistics.headline import compute_headline
from opsdesk.store.statistics.reader import Statistics
from opsdesk.store.statistics.values import CountBasis, Dimension
from opsdesk.store.statistics.windows import Window
from tests.store.history_factory import at, event, lifecycle, replay_copy, write

WINDOW = Window.between(at(0), at(900), 10)
NOW = at(900)
FAILED_AT, RECOVERED_AT = 20, 800


@pytest.fixture
def stats(tmp_path: Path) -> Iterator[Statistics]:
    path = tmp_path / "history.sqlite"
    replayed = lifecycle("pay-r", at(10), [(0, "payment.requested"), (10, "payment.failed")])
    request, failure = replayed
    plain = lifecycle("pay-ok", at(50), [(0, "payment.requested"), (3, "payment.succeeded")])
    write(
        path,
        [
            *replayed,
            *plain,
            replay_copy(failure, at(700)),  # event-level: the failure again
            replay_copy(failure, at(710), attempt=2),
            replay_copy(plain[1], at(720)),  # a success announced again
            replay_copy(request, at(790)),  # payment-level: the request re-sent
            event(at(RECOVERED_AT), "payment.succeeded", payment_id="pay-r"),
        ],
    )
    with Statistics(path) as opened:
        yield opened


def _bucket(seconds: float) -> int:
    return int(seconds // WINDOW.bucket_seconds)


@pytest.mark.parametrize("basis", list(CountBasis))
def test_rates_and_counts_leave_copies_out(stats: Statistics, basis: CountBasis) -> None:
    failed = 1 if basis is CountBasis.ATTEMPT else 0  # by payment, pay-r recovered
    assert stats.outcomes(WINDOW.start, NOW, basis=basis) == (2, failed)
    rates = stats.rate_series(WINDOW, now=NOW, basis=basis)
    assert (sum(rates.succeeded), sum(rates.failed)) == (2, failed)
    # A copy states its original's occurred_at: the original's bucket does not hold it twice.
    assert rates.failed[_bucket(FAILED_AT)] == failed
    codes = stats.failure_code_series(WINDOW, basis=basis).by_code
    assert {code: sum(counts) for code, counts in codes.items()} == (
        {"card_declined": 1} if failed else {}
    )
    assert stats.recovered(WINDOW) == 1
    tiles = compute_headline(stats, {}, NOW, basis=basis, recovery_window=WINDOW)
    # The copies arrived in the last 5 min; no original failure did.
    assert tiles.outcomes == 2 + failed and tiles.failures_5m == 0


def test_status_series_breakdowns_and_latency_leave_copies_out(stats: Statistics) -> None:
    series = stats.series(WINDOW, now=NOW)
    totals = {status: sum(counts) for status, counts in series.by_status.items()}
    # The re-sent request stays: it is a message that flowed, and it asked for an attempt.
    assert (totals["succeeded"], totals["failed"], totals["pending"]) == (2, 1, 3)
    by_merchant = stats.breakdown(WINDOW, Dimension.MERCHANT)
    assert [(r.value, r.failed, r.total) for r in by_merchant] == [("acme", 1, 3)]
    by_code = stats.breakdown(WINDOW, Dimension.ERROR_CODE)
    assert [(r.value, r.failed, r.total) for r in by_code] == [("card_declined", 1, 1)]
    assert stats.latency(WINDOW).count == 3


def test_a_refresh_leaves_a_copy_out_like_a_full_read(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    failure = event(at(20), "payment.failed", payment_id="pay-r")
    write(path, [failure])
    with Statistics(path) as stats:
        rates = stats.rate_series(WINDOW, now=at(100))
        series = stats.series(WINDOW, now=at(100))
        write(path, [replay_copy(failure, at(105))])
        rates = stats.refresh_rates(rates, at(110))
        assert sum(rates.failed) == 1 == sum(stats.rate_series(rates.window, now=at(110)).failed)
        assert sum(stats.refresh(series, at(110)).by_status["failed"]) == 1
