"""Queue samples kept in the history file: series, downsampling, latest, retention."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opsdesk.broker.queue_sample import QueueSample
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.errors import StoreError
from opsdesk.store.queue_sample_store import QueueSampleStore
from tests.store.history_factory import at


def sample(
    queue: str, seconds: float, ready: int, unacked: int | None = 0, **kw: object
) -> QueueSample:
    values: dict[str, object] = {
        "consumers": 1,
        "publish_rate": None,
        "deliver_rate": None,
        "ack_rate": None,
        "is_dead_letter": queue.endswith(".dlq"),
        "source": "management",
    }
    values.update(kw)
    return QueueSample(utc_iso(at(seconds)), "/", queue, ready, unacked, **values)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[QueueSampleStore]:
    with QueueSampleStore(tmp_path / "history.sqlite") as opened:
        yield opened


def test_samples_round_trip_in_time_order(store: QueueSampleStore) -> None:
    rates = sample(
        "orders", 10, 7, 3, consumers=2, publish_rate=1.5, deliver_rate=0.5, ack_rate=0.25
    )
    fallback = sample("orders", 5, 4, None, source="amqp")
    store.add([rates, sample("refunds", 10, 1)])
    store.add([fallback])
    assert store.series("orders", utc_iso(at(0)), utc_iso(at(60))) == [fallback, rates]
    assert store.series("orders", utc_iso(at(6)), utc_iso(at(10))) == []  # end excluded


def test_long_series_are_downsampled_keeping_spikes(store: QueueSampleStore) -> None:
    samples = [sample("orders", i, 10) for i in range(3000)]
    samples[1234] = sample("orders", 1234, 900, 50)
    store.add(samples)
    points = store.series("orders", utc_iso(at(0)), utc_iso(at(3000)), max_points=100)
    assert 90 <= len(points) <= 101
    assert [p.taken_at for p in points] == sorted(p.taken_at for p in points)
    assert max(p.messages_ready for p in points) == 900
    assert store.series("orders", utc_iso(at(0)), utc_iso(at(3000)), max_points=5000) == samples


def test_latest_sample_of_each_queue(store: QueueSampleStore) -> None:
    store.add([sample("orders", 0, 1), sample("orders.dlq", 0, 2)])
    store.add([sample("orders", 5, 3), sample("payments", 5, 4)])
    latest = store.latest()
    assert {q: s.messages_ready for q, s in latest.items()} == {
        "orders": 3,
        "orders.dlq": 2,
        "payments": 4,
    }
    assert latest["orders.dlq"].is_dead_letter
    assert set(store.latest(since=utc_iso(at(1)))) == {"orders", "payments"}
    assert store.queues_seen(utc_iso(at(1))) == ["orders", "payments"]
    assert store.queues_seen(utc_iso(at(-1))) == ["orders", "orders.dlq", "payments"]


def test_prune_deletes_old_samples_in_small_batches(store: QueueSampleStore) -> None:
    store.add([sample("orders", i, i) for i in range(50)])
    assert store.prune(utc_iso(at(23)), batch=7) == 23
    remaining = store.series("orders", utc_iso(at(0)), utc_iso(at(100)))
    assert [s.messages_ready for s in remaining] == list(range(23, 50))
    assert store.prune(utc_iso(at(23))) == 0


def test_a_read_only_store_reads_but_refuses_writes(
    store: QueueSampleStore, tmp_path: Path
) -> None:
    store.add([sample("orders", 0, 1)])
    with QueueSampleStore(tmp_path / "history.sqlite", readonly=True) as reader:
        assert list(reader.latest()) == ["orders"]
        with pytest.raises(StoreError):
            reader.add([sample("orders", 1, 1)])
        with pytest.raises(StoreError):
            reader.prune(utc_iso(at(10)))
