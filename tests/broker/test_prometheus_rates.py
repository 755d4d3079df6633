"""Queue rates from rabbitmq_prometheus: counters to rates on canned scrapes, then for real.

The real test takes the management API's queue entries without their `message_stats` (the
`columns` leave them out), as a broker with its API's rates turned off answers, and checks
that the overview's rates then come from the Prometheus endpoint with the broker's counts.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsdesk.broker.management_api import ManagementClient
from opsdesk.broker.prometheus_rates import (
    PrometheusRateReader,
    PrometheusUnavailable,
    prometheus_base_url,
)
from opsdesk.broker.queue_overview import QueueOverviewReader, read_queue_entries
from opsdesk.broker.queue_overview_values import QueueOverview
from opsdesk.config.endpoint import BrokerEndpoint
from tests.conftest import BROKER_URL, BrokerObjects, poll_until
from tests.monitor_profile import closed_port


class Clock:
    """Monotonic seconds the test sets."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


LEGACY = "rabbitmq_detailed_"


def legacy(published: dict[tuple[str, str], float], acked: dict[tuple[str, str], float]) -> str:
    """A 3.x scrape: per-channel counters, keyed (channel, queue)."""
    lines = [
        f"# TYPE {LEGACY}queue_messages_published_total counter",
        f"# TYPE {LEGACY}channel_messages_acked_total counter",
    ]
    for (channel, queue), value in published.items():
        lines.append(
            f'{LEGACY}queue_messages_published_total{{channel="{channel}",queue_vhost="/",'
            f'queue="{queue}",exchange_vhost="/",exchange="payments"}} {value}'
        )
    for (channel, queue), value in acked.items():
        lines.append(
            f'{LEGACY}channel_messages_acked_total{{channel="{channel}",vhost="/",'
            f'queue="{queue}"}} {value}'
        )
    return "\n".join(lines) + "\n"


def test_first_reading_has_no_rates_the_second_has() -> None:
    clock = Clock()
    reader = PrometheusRateReader(["http://unused"], clock=clock)

    first = reader.reading_of([legacy({("<0.1.0>", "orders"): 100}, {})], "/")
    clock.now += 5.0
    second = reader.reading_of([legacy({("<0.1.0>", "orders"): 150}, {})], "/")

    assert first.interval is None and first.rates("orders") is None
    assert second.interval == 5.0
    assert second.rates("orders") == (10.0, 0.0, 0.0)
    assert second.rates("refunds") == (0.0, 0.0, 0.0)  # nothing counted: idle


def test_channels_add_up_new_ones_count_from_zero_resets_and_closes_do_not_go_negative() -> None:
    clock = Clock()
    reader = PrometheusRateReader(["http://unused"], clock=clock, window=1.0)
    reader.reading_of(
        [legacy({("<0.1.0>", "q"): 40, ("<0.2.0>", "q"): 10, ("<0.3.0>", "q"): 99}, {})], "/"
    )
    clock.now += 2.0
    # <0.1.0> +20; <0.2.0> reset to 4 (counts 4); <0.3.0> closed (gone); <0.4.0> new with 6.
    reading = reader.reading_of(
        [legacy({("<0.1.0>", "q"): 60, ("<0.2.0>", "q"): 4, ("<0.4.0>", "q"): 6}, {})], "/"
    )
    assert reading.increases["q"].published == 30.0
    assert reading.rates("q") == (15.0, 0.0, 0.0)


def test_rates_average_over_the_window() -> None:
    clock = Clock()
    reader = PrometheusRateReader(["http://unused"], clock=clock, window=10.0)
    counts = [0, 50, 50, 150]  # the broker's counters move in steps
    readings = []
    for count in counts:
        readings.append(reader.reading_of([legacy({}, {("<0.1.0>", "q"): count})], "/"))
        clock.now += 5.0
    assert readings[1].rates("q") == (0.0, 0.0, 10.0)  # 50 in 5 s
    assert readings[2].rates("q") == (0.0, 0.0, 5.0)  # 50 in 10 s
    assert readings[3].interval == 10.0  # the step from 0 to 50 left the window
    assert readings[3].rates("q") == (0.0, 0.0, 10.0)  # 100 in 10 s


def modern(published: float, delivered: float, channel_published: float) -> str:
    """A 3.13+/4.x scrape asked for both generations: per-queue and per-channel counters."""
    p = LEGACY
    return (
        f"# TYPE {p}queue_exchange_messages_published_total counter\n"
        f'{p}queue_exchange_messages_published_total{{vhost="/",queue="q",exchange="x"}} '
        f"{published}\n"
        f'{p}queue_messages_delivered_ack_total{{vhost="/",queue="q"}} {delivered}\n'
        f'{p}queue_get_total{{vhost="/",queue="q"}} 1\n'
        f'{p}queue_messages_published_total{{channel="<0.1.0>",queue_vhost="/",queue="q",'
        f'exchange_vhost="/",exchange="x"}} {channel_published}\n'
    )


def test_per_queue_counters_of_newer_brokers_are_preferred() -> None:
    clock = Clock()
    reader = PrometheusRateReader(["http://unused"], clock=clock)
    reader.reading_of([modern(10, 5, 10)], "/")
    clock.now += 2.0
    reading = reader.reading_of([modern(30, 9, 30)], "/")
    assert reading.rates("q") == (10.0, 2.0, 0.0)  # the per-channel family is not counted twice


def test_other_vhosts_are_left_out_and_depth_is_read() -> None:
    p = "rabbitmq_detailed_"
    text = (
        f'{p}queue_messages_ready{{vhost="/",queue="q"}} 7\n'
        f'{p}queue_messages_unacked{{vhost="/",queue="q"}} 2\n'
        f'{p}queue_consumers{{vhost="/",queue="q"}} 1\n'
        f'{p}queue_messages_ready{{vhost="other",queue="q2"}} 9\n'
    )
    reading = PrometheusRateReader(["http://unused"]).reading_of([text], "/")
    assert set(reading.depth) == {"q"}
    depth = reading.depth["q"]
    assert (depth.ready, depth.unacked, depth.consumers) == (7, 2, 1)


def test_base_url_follows_the_management_api() -> None:
    assert prometheus_base_url("http://rabbit.example.com:15672") == (
        "http://rabbit.example.com:15692"
    )
    assert prometheus_base_url("https://10.0.0.9:15671") == "https://10.0.0.9:15691"
    assert prometheus_base_url("http://[::1]:15672") == "http://[::1]:15692"


def test_unreachable_endpoint_is_one_sentence() -> None:
    port = closed_port()
    reader = PrometheusRateReader([f"http://127.0.0.1:{port}"])
    with pytest.raises(PrometheusUnavailable) as caught:
        reader.read("/")
    assert str(caught.value).startswith(
        f"Nothing answers at http://127.0.0.1:{port}: the connection was refused"
    )
    assert "rabbitmq_prometheus" in str(caught.value)


# -- the real broker ------------------------------------------------------------------------

_NO_STATS = "name,vhost,type,state,messages_ready,messages_unacknowledged,messages,consumers"
TYPES = ("classic", "quorum", "stream")


@pytest.mark.broker
def test_rates_come_from_prometheus_when_the_api_has_none(
    broker: BrokerObjects, unique_name: str
) -> None:
    client = ManagementClient(BrokerEndpoint(url=BROKER_URL))
    prometheus = PrometheusRateReader([prometheus_base_url(client.base_url)], window=120.0)
    reader = QueueOverviewReader(client, prometheus)
    queues = {
        kind: broker.queue(f"{unique_name}.{kind}", **{"x-queue-type": kind}) for kind in TYPES
    }

    def overview() -> QueueOverview:
        entries = [
            e for e in read_queue_entries(client, "/", _NO_STATS) if e["name"] in queues.values()
        ]
        assert all("message_stats" not in e for e in entries)
        return reader.overview_of(entries, "/", datetime.now(UTC))

    first = overview()
    assert [r.rates.source for r in first.rows] == ["pending"] * 3
    assert first.rows[0].rates.source_text == "none yet: needs a second reading"

    for queue in queues.values():
        for i in range(12):
            broker.publish("", queue, f"m{i}".encode())
    broker.channel.basic_qos(prefetch_count=100)
    for queue in queues.values():
        arguments = {"x-stream-offset": "first"} if queue.endswith("stream") else None
        broker.channel.basic_consume(
            queue, lambda ch, method, _p, _b: ch.basic_ack(method.delivery_tag), arguments=arguments
        )

    expected = {queue: (12, 12, 12) for queue in queues.values()}
    counted: dict[str, tuple[int, int, int]] = {}

    def counts_arrived() -> bool:
        broker.connection.process_data_events(0.1)  # deliver and ack
        for row in overview().rows:
            rates, interval = row.rates, row.rates.interval or 0.0
            figures = (rates.publish, rates.deliver, rates.ack)
            if rates.source == "prometheus":
                counted[row.name] = tuple(round((f or 0.0) * interval) for f in figures)  # type: ignore[assignment]
        return counted == expected

    poll_until(counts_arrived, 15.0, f"Prometheus counts {counted} never reached {expected}")
    rows = overview().rows
    assert {r.type for r in rows} == set(TYPES)
    assert all(r.rates.source_text == "prometheus" and (r.rates.publish or 0) > 0 for r in rows)


@pytest.mark.broker
def test_without_prometheus_rates_say_why(broker: BrokerObjects, unique_name: str) -> None:
    client = ManagementClient(BrokerEndpoint(url=BROKER_URL))
    port = closed_port()
    reader = QueueOverviewReader(client, PrometheusRateReader([f"http://127.0.0.1:{port}"]))
    queue = broker.queue(unique_name)
    entries: list[dict[str, object]] = []

    def counted() -> bool:  # a new queue's counts take one statistics emission to appear
        entries[:] = [e for e in read_queue_entries(client, "/", _NO_STATS) if e["name"] == queue]
        return bool(entries) and "messages_ready" in entries[0]

    poll_until(counted, 15.0, "the management API never reported the queue's counts")
    overview = reader.overview_of(entries, "/", datetime.now(UTC))

    (row,) = overview.rows
    assert row.rates.source == "none" and row.rates.publish is None
    assert row.rates.detail.startswith(f"Nothing answers at http://127.0.0.1:{port}")
    assert overview.rates_note == row.rates.detail
    assert row.ready == 0  # the API's figures are still there
