"""Prometheus readings on a cluster when a node does not answer: the others' are read, and the
silent node's counters are carried over so that its return is no burst."""

from __future__ import annotations

import pytest

from opsdesk.broker.prometheus_rates import PrometheusRateReader, PrometheusUnavailable
from tests.broker.test_prometheus_rates import Clock, legacy
from tests.conftest import BrokerObjects, poll_until
from tests.monitor_profile import closed_port


def test_a_silent_node_is_left_out_and_its_return_is_no_burst() -> None:
    clock = Clock()
    reader = PrometheusRateReader(["http://n1", "http://n2"], clock=clock, window=1.0)
    reader.reading_of(
        [legacy({("<1.1.0>", "a"): 100}, {}), legacy({("<2.1.0>", "b"): 500}, {})], "/"
    )
    clock.now += 2.0
    while_down = reader.reading_of([legacy({("<1.1.0>", "a"): 120}, {}), None], "/")
    assert while_down.unanswered == ("http://n2",)
    assert while_down.rates("a") == (10.0, 0.0, 0.0)
    assert while_down.rates("b") == (0.0, 0.0, 0.0)
    clock.now += 2.0
    back = reader.reading_of(
        [legacy({("<1.1.0>", "a"): 140}, {}), legacy({("<2.1.0>", "b"): 520}, {})], "/"
    )
    assert back.unanswered == ()
    # b rose by 20 over the 4 s since n2 last answered; counted as new it would read 260/s.
    assert back.increases["b"].published == 20.0


@pytest.mark.broker
def test_the_real_endpoint_is_read_when_another_node_refuses(
    broker: BrokerObjects, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    for _ in range(3):
        broker.publish("", queue, b"x")
    dead = f"http://127.0.0.1:{closed_port()}"
    reader = PrometheusRateReader([dead, "http://127.0.0.1:15692"], timeout=2.0)
    assert reader.read("/").unanswered == (dead,)

    def depth_read() -> bool:
        depth = reader.read_depth("/").get(queue)
        return depth is not None and depth.ready == 3

    poll_until(depth_read, 15, "the answering node's depth never came")
    with pytest.raises(PrometheusUnavailable, match="connection was refused"):
        PrometheusRateReader([dead, dead], timeout=2.0).read("/")
