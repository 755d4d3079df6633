"""The management client on a cluster: it reads from the node that answers and stays there.

Against the real management API on 15672, with "nodes" that refuse (a bound port that never
listens) or never answer (a listener that never accepts) in front of it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from opsdesk.broker.management_api import (
    InvalidManagementURL,
    ManagementClient,
    ManagementNotFound,
    ManagementUnreachable,
)
from opsdesk.broker.management_urls import management_base_urls
from opsdesk.broker.monitor_failure_text import describe_management_failure
from opsdesk.config.endpoint import BrokerEndpoint
from tests.conftest import BROKER_URL

pytestmark = pytest.mark.broker

API = "http://127.0.0.1:15672"


@pytest.fixture
def dead_port() -> Iterator[int]:
    """Bound (so no one else takes it), never listening: connections are refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Listening but never accepting: a request waits for its timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield listener.getsockname()[1]


def test_every_node_of_a_cluster_has_its_api() -> None:
    endpoint = BrokerEndpoint("amqps://ops@a.example/%2F", nodes=("b.example:5700", "[::1]"))
    assert management_base_urls(endpoint) == (
        "https://a.example:15672",
        "https://b.example:15672",
        "https://[::1]:15672",
    )
    assert management_base_urls(endpoint, "http://m1:15781/api/, http://m2:15782") == (
        "http://m1:15781",
        "http://m2:15782",
    )
    with pytest.raises(InvalidManagementURL):
        management_base_urls(endpoint, " , ")


def test_a_node_that_refuses_is_passed_over_and_the_next_kept(dead_port: int) -> None:
    client = ManagementClient(BrokerEndpoint(BROKER_URL), f"http://127.0.0.1:{dead_port},{API}")
    assert client.base_url == f"http://127.0.0.1:{dead_port}"
    assert isinstance(client.queues(), list)
    assert client.base_url == API, "stays on the node that answered"
    assert client.exchange_type("amq.topic") == "topic"


def test_a_silent_node_costs_one_timeout_then_none(silent_port: int) -> None:
    client = ManagementClient(
        BrokerEndpoint(BROKER_URL), f"http://127.0.0.1:{silent_port},{API}", timeout=0.3
    )
    assert isinstance(client.queues(), list)
    assert client.base_url == API


def test_an_answer_is_not_retried_on_another_node(dead_port: int) -> None:
    # The API said "no such queue": another node would say the same.
    client = ManagementClient(BrokerEndpoint(BROKER_URL), f"{API},http://127.0.0.1:{dead_port}")
    with pytest.raises(ManagementNotFound):
        client.queue("opsdesk.no-such-queue.mf1")
    assert client.base_url == API


def test_when_no_node_answers_the_sentence_names_them_all(dead_port: int, silent_port: int) -> None:
    nodes = f"http://127.0.0.1:{dead_port}, http://127.0.0.1:{silent_port}"
    client = ManagementClient(BrokerEndpoint(BROKER_URL), nodes, timeout=0.3)
    with pytest.raises(ManagementUnreachable) as caught:
        client.queues()
    assert describe_management_failure(caught.value) == (
        f"Nothing answers at {nodes}: the connection was refused (is the rabbitmq_management "
        "plugin enabled, and is the management URL right?)."
    )
