"""Figures by payment beside by attempt, and recoveries, on real history files.

Events are stored through EventStore as the tap stores them; the answers are worked out by
hand (the named cases) or by a plain-Python reading of by_payment.py's definitions (the
generated ones).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsdesk.events.model import PaymentEvent
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.statistics.headline import compute_headline
from opsdesk.store.statistics.reader import Statistics
from opsdesk.store.statistics.values import (
    NO_VALUE,
    OVERALL,
    CountBasis,
    Dimension,
    RateSeries,
    Selector,
)
from opsdesk.store.statistics.windows import PRESETS, Window, epoch
from tests.store.history_factory import at, event, lifecycle, write

PAYMENT, ATTEMPT = CountBasis.PAYMENT, CountBasis.ATTEMPT
# 15 minutes in 10 s buckets, and "now" at its end: the headline's rate window is the same.
WINDOW = Window.between(at(0), at(900), 10)
NOW = at(900)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[Callable[..., Statistics]]:
    opened: list[Statistics] = []

    def make(*events: object) -> Statistics:
        path = tmp_path / "history.sqlite"
        write(path, events)  # type: ignore[arg-type]
        opened.append(Statistics(path))
        return opened[-1]

    yield make
    for stats in opened:
        stats.close()


def _totals(series: RateSeries) -> tuple[int, int]:
    return sum(series.succeeded), sum(series.failed)


def _bucket(seconds: float) -> int:
    return int(seconds // WINDOW.bucket_seconds)


def test_failed_then_succeeded_is_two_attempts_one_success_and_a_recovery(
    history: Callable[..., Statistics],
) -> None:
    stats = history(
        *lifecycle(
            "pay-r",
            at(100),
            [(0, "payment.requested"), (5, "payment.failed"), (300, "payment.succeeded")],
        ),
        *lifecycle("pay-ok", at(50), [(0, "payment.requested"), (2, "payment.succeeded")]),
    )
    assert stats.outcomes(WINDOW.start, NOW, basis=ATTEMPT) == (2, 1)
    assert stats.outcomes(WINDOW.start, NOW, basis=PAYMENT) == (2, 0)
    assert stats.recovered(WINDOW) == 1

    by_attempt = stats.rate_series(WINDOW, now=NOW, basis=ATTEMPT)
    by_payment = stats.rate_series(WINDOW, now=NOW, basis=PAYMENT)
    assert _totals(by_attempt) == (2, 1) and by_attempt.failed[_bucket(105)] == 1
    assert _totals(by_payment) == (2, 0)
    # The payment counts once, in the bucket of its final outcome.
    assert by_payment.succeeded[_bucket(400)] == 1 and by_payment.basis is PAYMENT
    assert by_payment.success_rate[_bucket(105)] is None  # nothing final there

    assert stats.failure_code_series(WINDOW, basis=ATTEMPT).by_code == {
        "card_declined": tuple(1 if i == _bucket(105) else 0 for i in range(90))
    }
    assert stats.failure_code_series(WINDOW, basis=PAYMENT).by_code == {}

    tiles = compute_headline(stats, {}, NOW, basis=PAYMENT, recovery_window=WINDOW)
    assert (tiles.success_rate, tiles.outcomes, tiles.recovered) == (1.0, 2, 1)
    attempts = compute_headline(stats, {}, NOW, basis=ATTEMPT, recovery_window=WINDOW)
    assert (attempts.outcomes, attempts.recovered) == (3, 1)  # recoveries on both bases
    assert attempts.success_rate == pytest.approx(2 / 3)


def test_failed_twice_is_one_failed_payment_with_its_last_error(
    history: Callable[..., Statistics],
) -> None:
    stats = history(
        event(at(20), "payment.failed", payment_id="pay-f", error_code="gateway_timeout"),
        event(at(200), "payment.failed", payment_id="pay-f", error_code="card_declined"),
    )
    assert stats.outcomes(WINDOW.start, NOW, basis=ATTEMPT) == (0, 2)
    assert stats.outcomes(WINDOW.start, NOW, basis=PAYMENT) == (0, 1)
    assert stats.recovered(WINDOW) == 0
    codes = stats.failure_code_series(WINDOW, basis=PAYMENT).by_code
    assert list(codes) == ["card_declined"] and codes["card_declined"][_bucket(200)] == 1
    assert set(stats.failure_code_series(WINDOW, basis=ATTEMPT).by_code) == {
        "card_declined",
        "gateway_timeout",
    }


def test_outcomes_outside_the_window(history: Callable[..., Statistics]) -> None:
    stats = history(
        # Failed before the window, succeeded in it: one success, and a recovery.
        event(at(-600), "payment.failed", payment_id="pay-a"),
        event(at(30), "payment.succeeded", payment_id="pay-a"),
        # Succeeded before the window and announced again in it: one success, no recovery.
        event(at(-300), "payment.succeeded", payment_id="pay-b"),
        event(at(40), "payment.succeeded", payment_id="pay-b"),
        # Failed in the window, succeeded after it: failed, as far as the window knows.
        event(at(50), "payment.failed", payment_id="pay-c"),
        event(at(1000), "payment.succeeded", payment_id="pay-c"),
    )
    assert _totals(stats.rate_series(WINDOW, now=NOW, basis=PAYMENT)) == (2, 1)
    assert stats.outcomes(WINDOW.start, WINDOW.end, basis=PAYMENT) == (2, 1)
    assert stats.recovered(WINDOW) == 1
    assert stats.recovered(Window.between(at(0), at(1200), 10)) == 2  # pay-c recovers later
    assert stats.recovered(Window.between(at(-900), at(0), 10)) == 0


def test_equal_times_go_by_the_order_they_were_stored(history: Callable[..., Statistics]) -> None:
    stats = history(
        event(at(60), "payment.failed", payment_id="pay-t"),
        event(at(60), "payment.succeeded", payment_id="pay-t"),
    )
    assert _totals(stats.rate_series(WINDOW, now=NOW, basis=PAYMENT)) == (1, 0)
    assert stats.recovered(WINDOW) == 1


def test_a_merchant_counts_the_payments_whose_final_outcome_is_theirs(
    history: Callable[..., Statistics],
) -> None:
    stats = history(
        event(at(10), "payment.failed", payment_id="pay-1", merchant="acme"),
        event(at(70), "payment.succeeded", payment_id="pay-1", merchant="acme"),
        event(at(20), "payment.failed", payment_id="pay-2", merchant="globex"),
        event(at(80), "payment.failed", payment_id="pay-2", merchant="globex"),
        event(at(30), "payment.failed", payment_id="pay-3", merchant=None),
        event(at(90), "payment.succeeded", payment_id="pay-3", merchant=None),
    )
    acme, globex = Selector(Dimension.MERCHANT, "acme"), Selector(Dimension.MERCHANT, "globex")
    none = Selector(Dimension.MERCHANT, NO_VALUE)
    expected = {OVERALL: (2, 1), acme: (1, 0), globex: (0, 1), none: (1, 0)}
    for selector, totals in expected.items():
        assert _totals(stats.rate_series(WINDOW, selector, now=NOW, basis=PAYMENT)) == totals
    assert _totals(stats.rate_series(WINDOW, globex, now=NOW, basis=ATTEMPT)) == (0, 2)
    assert stats.outcomes(WINDOW.start, NOW, "globex", basis=PAYMENT) == (0, 1)
    assert stats.outcomes(WINDOW.start, NOW, "acme", basis=ATTEMPT) == (1, 1)


def test_error_code_series_by_payment(history: Callable[..., Statistics]) -> None:
    stats = history(
        # Recovered: its failure leaves the chart.
        event(at(15), "payment.failed", payment_id="pay-1", error_code="gateway_timeout"),
        event(at(400), "payment.succeeded", payment_id="pay-1"),
        # Failed again with another code: counted once, under the last one.
        event(at(25), "payment.failed", payment_id="pay-2", error_code="gateway_timeout"),
        event(at(410), "payment.failed", payment_id="pay-2", error_code="do_not_honor"),
        # Plain failures.
        *(
            event(at(500 + i), "payment.failed", error_code="card_declined", payment_id=f"p{i}")
            for i in range(4)
        ),
    )
    by_payment = stats.failure_code_series(WINDOW, basis=PAYMENT)
    totals = {code: sum(counts) for code, counts in by_payment.by_code.items()}
    assert totals == {"card_declined": 4, "do_not_honor": 1}
    assert by_payment.by_code["do_not_honor"][_bucket(410)] == 1
    attempts = stats.failure_code_series(WINDOW, basis=ATTEMPT)
    assert {code: sum(c) for code, c in attempts.by_code.items()} == {
        "card_declined": 4,
        "gateway_timeout": 2,
        "do_not_honor": 1,
    }
    # Top 1: the rest as "(other)", on the same basis.
    top = stats.failure_code_series(WINDOW, top=1, basis=PAYMENT)
    assert {code: sum(c) for code, c in top.by_code.items()} == {"card_declined": 4, "(other)": 1}


def test_refresh_by_payment_sees_an_outcome_stated_ahead_of_the_clock_enter_the_window(
    tmp_path: Path,
) -> None:
    # The producer's clock runs 5 min ahead: its success was stored before the first read
    # but lies past that window's end; once the window reaches it, the failure it follows
    # (in a bucket a refresh reuses) is superseded.
    path = tmp_path / "history.sqlite"
    now = at(1807)
    failed = event(at(1000), "payment.failed", payment_id="pay-1")
    ahead = replace(
        event(now - timedelta(seconds=35), "payment.succeeded", payment_id="pay-1"),
        occurred_at=utc_iso(now + timedelta(seconds=300)),
    )
    write(path, [failed, ahead])
    with Statistics(path) as stats:
        first = stats.rate_series(Window.last(PRESETS["1h"], now), now=now, basis=PAYMENT)
        assert _totals(first) == (0, 1)
        later = now + timedelta(seconds=700)
        refreshed = stats.refresh_rates(first, later)
        full = stats.rate_series(refreshed.window, now=later, basis=PAYMENT)
        assert _counts(refreshed) == _counts(full) and _totals(full) == (1, 0)


# --- generated histories: refresh = full recomputation = the definition in plain Python ----

OUTCOME_TYPES = ("payment.failed", "payment.succeeded")
# Arrival, seconds before the read that first sees it: the edges of the 30 s settling time
# and of 30 s buckets are where a refresh could go wrong.
BEFORE_LATER = (0.5, 5.0, 29.0, 31.0, 36.0, 39.5, 100.0, 650.0, 3000.0)
# Event time relative to arrival: late (a backlog), on time, ahead of the desk's clock, none.
OCCURRED = (-2000.0, -100.0, -5.0, 0.0, 40.0, 400.0, None)


def reference(stored: list[PaymentEvent], window: Window, merchant: str | None) -> RateSeries:
    """by_payment.py's definition read literally: each payment's latest outcome in the window
    (latest event time, then latest stored), counted in its bucket, for one merchant or all."""
    size = window.bucket_seconds
    start, end = epoch(window.start), epoch(window.end)
    final: dict[object, tuple[float, int, PaymentEvent]] = {}
    for order, e in enumerate(stored):
        if e.status.value not in ("succeeded", "failed") or e.replay_of is not None:
            continue
        moment = epoch(datetime.fromisoformat(e.occurred_at or e.received_at))
        if not start <= moment < end:
            continue
        key = e.payment_id if e.payment_id is not None else ("alone", order)
        if key not in final or (moment, order) > final[key][:2]:
            final[key] = (moment, order, e)
    succeeded = [0] * window.bucket_count
    failed = [0] * window.bucket_count
    for moment, _, e in final.values():
        if merchant is None or e.merchant == merchant:
            counts = succeeded if e.status.value == "succeeded" else failed
            counts[int((moment - start) // size)] += 1
    return RateSeries(
        window, OVERALL, window.bucket_starts(), tuple(succeeded), tuple(failed), NOW, PAYMENT
    )


@st.composite
def arrivals(draw: st.DrawFn, now: datetime, later: datetime) -> list[PaymentEvent]:
    """A batch received in [now - 10 s, later): outcomes of a few payments, some copies."""
    batch = []
    for _ in range(draw(st.integers(0, 6))):
        before = timedelta(seconds=draw(st.sampled_from(BEFORE_LATER)))
        received = max(now - timedelta(seconds=10), later - before)
        offset = draw(st.sampled_from(OCCURRED))
        payment = draw(st.sampled_from(["pay-1", "pay-2", "pay-3", "pay-4", None]))
        e = event(
            received,
            draw(st.sampled_from(OUTCOME_TYPES)),
            payment_id=payment,
            merchant=draw(st.sampled_from(["acme", "globex"])),
        )
        if payment is None:
            e = replace(e, payment_id=None)
        occurred = None if offset is None else utc_iso(received + timedelta(seconds=offset))
        e = replace(e, occurred_at=occurred)
        if draw(st.booleans()) and draw(st.booleans()):  # a quarter are replay copies
            e = replace(e, replay_of="evt-original", replay_attempt=1)
        batch.append(e)
    return batch


@settings(max_examples=int(os.environ.get("OPSDESK_PROPERTY_EXAMPLES", "40")), deadline=None)
@given(data=st.data(), steps=st.lists(st.sampled_from([3, 45, 700, 4000]), min_size=1, max_size=4))
def test_refresh_by_payment_equals_full_recomputation_and_the_definition(
    data: st.DataObject, steps: list[int]
) -> None:
    acme = Selector(Dimension.MERCHANT, "acme")
    now = at(1800 + 7)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite"
        stored = _stored(path, data.draw(arrivals(at(0), now)))
        with Statistics(path) as stats:
            window = Window.last(PRESETS["1h"], now)
            rates = {
                s: stats.rate_series(window, s, now=now, basis=PAYMENT) for s in (OVERALL, acme)
            }
            for step in steps:
                later = now + timedelta(seconds=step)
                stored += _stored(path, data.draw(arrivals(now, later)))
                full_window = Window.last(PRESETS["1h"], later)
                for selector, merchant in ((OVERALL, None), (acme, "acme")):
                    rates[selector] = stats.refresh_rates(rates[selector], later)
                    full = stats.rate_series(full_window, selector, now=later, basis=PAYMENT)
                    expected = reference(stored, full_window, merchant)
                    assert rates[selector].window == full.window
                    assert _counts(rates[selector]) == _counts(full) == _counts(expected)
                now = later


def _stored(path: Path, batch: list[PaymentEvent]) -> list[PaymentEvent]:
    """Write `batch` as the tap would; the events in the order they got their rows."""
    ordered = sorted(batch, key=lambda e: e.received_at)
    write(path, ordered)
    return ordered


def _counts(series: RateSeries) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return series.succeeded, series.failed
