"""A desk on a three-node cluster loses the node it is on, stopped (rabbitmqctl stop), while
payments flow through another node; and its reads of the management API and Prometheus go to
the nodes that answer while that node is down.

The tap queue is a quorum queue, so what it holds survives the node. The desk (an `opsdesk
collect` process) must be back on another node within 10 s, and its history must hold every
event the publisher had confirmed, each once.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pika
import pytest

from opsdesk.broker.management_api import ManagementClient
from opsdesk.broker.prometheus_rates import PrometheusRateReader
from tests.cluster.confirmed_publisher import ConfirmedPublisher
from tests.cluster.conftest import TestCluster
from tests.cluster.failover_checks import (
    EVENTS,
    FAILOVER_LIMIT,
    RATE,
    assert_exactly_the_confirmed,
    stored_ids,
)
from tests.conftest import poll_until

pytestmark = pytest.mark.cluster


class CollectProcess:
    """`opsdesk collect -v` on a cluster profile; the lines it logs, with when they came."""

    def __init__(self, profiles: Path, db: Path) -> None:
        self.lines: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "opsdesk.cli", "collect", "-v",
                "--config", str(profiles), "--profile", "team", "--db", str(db),
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, name="collect-stderr")
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._lock:
                self.lines.append((time.monotonic(), line.rstrip()))

    def connected_since(self, since: float) -> list[str]:
        """The nodes the tap said it connected to after `since`."""
        with self._lock:
            return [
                match.group(1)
                for at, line in self.lines
                if at >= since and (match := re.search(r"tap connected .*?(node \d of 3)", line))
            ]

    def first_connected_after(self, since: float) -> float | None:
        with self._lock:
            return next(
                (at for at, line in self.lines if at >= since and "tap connected" in line), None
            )

    def stop(self) -> int:
        self.process.terminate()
        code = self.process.wait(30)
        self._reader.join(10)
        return code


def test_collect_follows_the_cluster_when_its_node_is_stopped(
    cluster: TestCluster, cluster_exchange: str, cluster_name: str, tmp_path: Path
) -> None:
    profiles = tmp_path / "profiles.toml"
    nodes = ", ".join(f'"{node.address}"' for node in cluster.nodes[1:])
    profiles.write_text(
        f"""
[profiles.team]
url = "{cluster.nodes[0].url}"
nodes = [{nodes}]
[[profiles.team.bindings]]
exchange = "{cluster_exchange}"
routing_key = "payment.#"
[profiles.team.tap]
queue = "{cluster_name}.tap"
queue_type = "quorum"
batch_interval = 0.05
"""
    )
    db = tmp_path / "history.sqlite"
    publisher = ConfirmedPublisher(cluster.nodes[2].url, cluster_exchange, EVENTS, RATE)
    collect = CollectProcess(profiles, db)
    try:
        poll_until(lambda: collect.connected_since(0) == ["node 1 of 3"], 30, "never connected")
        publisher.start()
        poll_until(lambda: len(stored_ids(db)) >= 300, 30, "nothing stored before the stop")
        stopped_at = time.monotonic()
        cluster.stop_node(cluster.nodes[0])
        poll_until(
            lambda: collect.connected_since(stopped_at), FAILOVER_LIMIT * 2, "not back in time"
        )
        back_at = collect.first_connected_after(stopped_at)
        assert back_at is not None
        publisher.join(60)
        assert publisher.failure is None, publisher.failure
        poll_until(
            lambda: set(stored_ids(db)) >= set(publisher.confirmed), 30, "confirmed events missing"
        )
    finally:
        publisher.stop()
        code = collect.stop()
    print(f"\ncollect back on another node {back_at - stopped_at:.2f} s after `rabbitmqctl stop`")
    assert code == 0
    assert collect.connected_since(stopped_at) in (["node 2 of 3"], ["node 3 of 3"])
    assert back_at - stopped_at < FAILOVER_LIMIT
    assert_exactly_the_confirmed(db, publisher)


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
