"""The desk's reads of a cluster with a node down: the management API and Prometheus are read
from the nodes that answer."""

from __future__ import annotations

import pika
import pytest

from opsdesk.broker.management_api import ManagementClient
from opsdesk.broker.prometheus_rates import PrometheusRateReader
from tests.cluster.conftest import TestCluster
from tests.conftest import poll_until

pytestmark = pytest.mark.cluster


def test_management_reads_go_to_a_node_that_answers(
    first_node_down: TestCluster, cluster_name: str
) -> None:
    cluster = first_node_down
    down, up, _ = cluster.nodes
    apis = ", ".join(node.management_url for node in cluster.nodes)
    client = ManagementClient(cluster.endpoint(first=0), apis)
    connection = cluster.connect(up)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.queue_declare(cluster_name, durable=True, arguments={"x-queue-type": "quorum"})
        cluster.delete_later("queue", cluster_name)  # not now: its first node is down
        for _ in range(4):  # first: the nodes' metrics are collected every 5 s
            channel.basic_publish("", cluster_name, b"x", pika.BasicProperties(delivery_mode=2))
        entry = client.queue(cluster_name)
        assert entry["type"] == "quorum"
        assert client.base_url == up.management_url, "the first node is down: the second read"
        assert cluster_name in {q["name"] for q in client.queues()}
        assert client.base_url == up.management_url, "and stays the one read"

        prometheus = PrometheusRateReader(
            [f"http://127.0.0.1:{node.prometheus}" for node in cluster.nodes], timeout=2.0
        )
        assert prometheus.read("/").unanswered == (f"http://127.0.0.1:{down.prometheus}",)

        def depth_read() -> bool:
            depth = prometheus.read_depth("/").get(cluster_name)
            return depth is not None and depth.ready == 4

        poll_until(depth_read, 20, "the queue's depth never came from the nodes that answer")
    finally:
        connection.close()
