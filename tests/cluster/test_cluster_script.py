"""scripts/test-cluster: three nodes in one cluster, apart from the suite's broker on 5672."""

from __future__ import annotations

import json

import pytest

from tests.cluster.conftest import TestCluster, run_script

pytestmark = pytest.mark.cluster


def test_three_nodes_form_one_cluster_without_the_suite_broker(cluster: TestCluster) -> None:
    status = json.loads(cluster.rabbitmqctl("cluster_status", "--formatter", "json"))
    assert sorted(status["running_nodes"]) == sorted(node.name for node in cluster.nodes)
    assert "rabbit@localhost" not in status["disk_nodes"]
    assert len({node.amqp for node in cluster.nodes}) == 3
    assert 5672 not in {node.amqp for node in cluster.nodes}


def test_a_quorum_queue_written_through_one_node_is_read_through_another(
    cluster: TestCluster, cluster_name: str
) -> None:
    first, _, last = cluster.nodes
    writer = cluster.connect(first)
    try:
        channel = writer.channel()
        channel.confirm_delivery()
        channel.queue_declare(cluster_name, durable=True, arguments={"x-queue-type": "quorum"})
        for i in range(10):
            channel.basic_publish("", cluster_name, f"m{i}".encode())
        reader = cluster.connect(last)
        try:
            bodies = []
            read = reader.channel()
            for _ in range(10):
                method, _props, body = read.basic_get(cluster_name, auto_ack=True)
                assert method is not None, f"only {len(bodies)} of 10 read through {last.name}"
                bodies.append(body)
        finally:
            reader.close()
        assert bodies == [f"m{i}".encode() for i in range(10)]
        channel.queue_delete(cluster_name)
    finally:
        writer.close()


def test_start_is_idempotent_and_prints_the_ports(cluster: TestCluster) -> None:
    again = run_script("start")
    assert again.splitlines() == [
        f"{n.name} amqp={n.amqp} management={n.management} prometheus={n.prometheus} "
        f"dist={n.amqp + 20000}"
        for n in cluster.nodes
    ]
