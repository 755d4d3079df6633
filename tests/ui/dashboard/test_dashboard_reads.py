"""The dashboard's reads on a real history: full, then incremental; cached lists age correctly."""

from datetime import timedelta

import pytest

from opsdesk.events.model import Status
from opsdesk.store.event_store import EventStore
from opsdesk.store.statistics.values import Breakdown
from opsdesk.ui.dashboard.dashboard_data import DashboardQuery, WindowChoice
from opsdesk.ui.dashboard.dashboard_reads import DashboardSources, compute_snapshot
from tests.ui.dashboard.known_history import NOW, OLDEST_STUCK, event, write_history

HOUR = WindowChoice(span=timedelta(hours=1))


@pytest.fixture
def sources(tmp_path):
    path = tmp_path / "history.db"
    write_history(path)
    sources = DashboardSources(path)
    yield sources
    sources.close()


def test_the_next_tick_refreshes_and_counts_new_events(sources, tmp_path):
    first = compute_snapshot(sources, DashboardQuery(HOUR, Breakdown.OVERALL, NOW))
    assert not first.incremental
    succeeded = first.status.status_total(Status.SUCCEEDED)
    with EventStore(tmp_path / "history.db") as store:
        store.insert_batch([event(NOW + timedelta(seconds=5), Status.SUCCEEDED, "pay_late")])
    later = NOW + timedelta(seconds=10)
    second = compute_snapshot(sources, DashboardQuery(HOUR, Breakdown.OVERALL, later))
    assert second.incremental
    assert second.status.status_total(Status.SUCCEEDED) == succeeded + 1
    assert sum(second.rates[0].succeeded) == sum(first.rates[0].succeeded) + 1
    # The stuck list was read 10 s ago: the same payments, 10 s older.
    assert [p.payment_id for p in second.stuck] == [p.payment_id for p in first.stuck]
    assert second.stuck[0].payment_id == OLDEST_STUCK
    assert second.stuck[0].age_seconds == pytest.approx(first.stuck[0].age_seconds + 10)


def test_another_window_or_a_custom_one_is_computed_in_full(sources):
    compute_snapshot(sources, DashboardQuery(HOUR, Breakdown.OVERALL, NOW))
    day = compute_snapshot(
        sources, DashboardQuery(WindowChoice(span=timedelta(hours=24)), Breakdown.OVERALL, NOW)
    )
    assert not day.incremental and day.window.bucket_seconds == 300
    custom = WindowChoice(start=NOW - timedelta(hours=3), end=NOW)
    for _ in range(2):
        snapshot = compute_snapshot(sources, DashboardQuery(custom, Breakdown.OVERALL, NOW))
        assert not snapshot.incremental


def test_breakdown_rates_are_overall_first_then_the_most_failing_merchants(sources):
    snapshot = compute_snapshot(sources, DashboardQuery(HOUR, Breakdown.MERCHANT, NOW))
    labels = [rate.selector.label for rate in snapshot.rates]
    assert labels[0] == "overall"
    assert sorted(labels[1:]) == ["merchant=merchant-a", "merchant=merchant-b"]
    total_failed = sum(sum(rate.failed) for rate in snapshot.rates[1:])
    assert total_failed == sum(snapshot.rates[0].failed)
    again = compute_snapshot(
        sources, DashboardQuery(HOUR, Breakdown.MERCHANT, NOW + timedelta(seconds=5))
    )
    assert [rate.selector for rate in again.rates] == [rate.selector for rate in snapshot.rates]
