"""The three-node test cluster (scripts/test-cluster), started once for the tests that need it.

The broker on 5672 stays what the rest of the suite uses; the cluster's nodes have their own
ports and are never joined to it. A cluster already running when the session starts (another
session, or started by hand) is used and left running; one the session started is stopped
at its end. A test that stops or kills a node brings it back in the background as soon as
it has what it measures (`restart_later`); the next test that needs all three waits for it
(`cluster`), one that needs the first node down stops it if it is back (`first_node_down`).
Measured here (2 cores): start 17-25 s, a killed node back 7-9 s, stop 2 s.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pika
import pytest

from opsdesk.config.endpoint import BrokerEndpoint

SCRIPT = Path(__file__).parents[2] / "scripts" / "test-cluster"
CLUSTER_DIR = Path(os.environ.get("OPSDESK_TEST_CLUSTER_DIR", "/tmp/opsdesk-test-cluster"))
START_TIMEOUT = 180


@dataclass(frozen=True, slots=True)
class ClusterNode:
    name: str  # "opsdesk-c1@localhost"
    amqp: int
    management: int
    prometheus: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.amqp}"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp}/%2F"

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.management}"

    def beam_pid(self) -> int:
        """The node's Erlang VM (the file RABBITMQ_PID_FILE names)."""
        return int((CLUSTER_DIR / self.name.partition("@")[0] / "pid").read_text().strip())


def run_script(*args: str, timeout: float = START_TIMEOUT) -> str:
    done = subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"test-cluster {' '.join(args)}: {done.stderr.strip()}"
    return done.stdout


def parse_ports(text: str) -> tuple[ClusterNode, ...]:
    """The nodes from the script's lines "NAME amqp=5781 management=15781 prometheus=..."."""
    nodes = []
    for line in text.splitlines():
        name, *fields = line.split()
        ports = dict(field.split("=") for field in fields)
        if "amqp" in ports:
            nodes.append(
                ClusterNode(
                    name, int(ports["amqp"]), int(ports["management"]), int(ports["prometheus"])
                )
            )
    return tuple(nodes)


class TestCluster:
    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, nodes: tuple[ClusterNode, ...], start_seconds: float) -> None:
        self.nodes = nodes
        self.start_seconds = start_seconds
        self._restarting: subprocess.Popen[bytes] | None = None
        self._leftovers: list[tuple[str, str]] = []  # ("queue" | "exchange", name)

    def endpoint(self, first: int = 0, **changes: object) -> BrokerEndpoint:
        """A cluster profile's endpoint: node `first`'s URL, then the others."""
        order = self.nodes[first:] + self.nodes[:first]
        return BrokerEndpoint(
            order[0].url,
            nodes=tuple(node.address for node in order[1:]),
            **changes,  # type: ignore[arg-type]
        )

    def connect(self, node: ClusterNode) -> pika.BlockingConnection:
        return pika.BlockingConnection(pika.URLParameters(node.url))

    def stop_node(self, node: ClusterNode) -> None:
        run_script("stop-node", node.name, timeout=60)

    def kill_node(self, node: ClusterNode) -> None:
        os.kill(node.beam_pid(), signal.SIGKILL)

    def is_up(self, node: ClusterNode) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", node.amqp)) == 0

    def restart_later(self) -> None:
        """Bring stopped or killed nodes back in the background; the next test waits for it."""
        self._restarting = subprocess.Popen(
            [str(SCRIPT), "start"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: abandon_restart ends all of it
        )

    def ensure_running(self) -> None:
        self.wait_restarted()
        run_script("start")

    def wait_restarted(self) -> None:
        if self._restarting is not None:
            self._restarting.wait(START_TIMEOUT)
            self._restarting = None

    def abandon_restart(self) -> None:
        """End a restart still running (the cluster is stopped next: `stop` finds its VMs)."""
        if self._restarting is not None and self._restarting.poll() is None:
            os.killpg(self._restarting.pid, signal.SIGTERM)
        self.wait_restarted()

    def delete_later(self, kind: str, name: str) -> None:
        """Delete a queue or exchange at the end of the session, not now: deleting a quorum
        queue while one of its nodes is coming back takes ~5 s. A cluster the session
        started is removed whole instead."""
        self._leftovers.append((kind, name))

    def delete_leftovers(self) -> None:
        connection = self.connect(self.nodes[0])
        try:
            channel = connection.channel()
            for kind, name in self._leftovers:
                if kind == "queue":
                    channel.queue_delete(name)
                else:
                    channel.exchange_delete(name)
        finally:
            connection.close()

    def rabbitmqctl(self, *args: str) -> str:
        return run_script("ctl", *args, timeout=60)


def _skip_reason() -> str | None:
    if shutil.which("rabbitmq-server") is None and not Path("/usr/lib/rabbitmq/bin").is_dir():
        return "RabbitMQ is not installed: the test cluster cannot start"
    if os.geteuid() != 0 and os.environ.get("USER") != "rabbitmq":
        return "the test cluster runs its nodes as the rabbitmq user: run as root or rabbitmq"
    return None


@pytest.fixture(scope="session")
def test_cluster(request: pytest.FixtureRequest) -> Iterator[TestCluster]:
    if reason := _skip_reason():
        pytest.skip(reason)
    status = run_script("status", timeout=60)
    already = status.count(": running\n") == 3
    started = time.monotonic()
    try:
        text = run_script("start")
    except AssertionError:
        if already:
            raise
        # A cluster half-built by an earlier run (a node that failed to join, its app
        # stopped) cannot be finished: start again from nothing, once.
        run_script("stop", timeout=120)
        text = run_script("start")
    nodes = parse_ports(text)
    cluster = TestCluster(nodes, time.monotonic() - started)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        how = "already running" if already else f"started in {cluster.start_seconds:.1f} s"
        reporter.write_line(f"\ntest cluster ({len(nodes)} nodes): {how}")
    try:
        yield cluster
    finally:
        if already:  # left as it was found: three nodes running, no test's objects
            cluster.ensure_running()
            cluster.delete_leftovers()
        else:
            cluster.abandon_restart()
            run_script("stop", timeout=120)


@pytest.fixture
def cluster(test_cluster: TestCluster) -> TestCluster:
    """The cluster with its three nodes running (brought back if an earlier test stopped one)."""
    test_cluster.ensure_running()
    return test_cluster


@pytest.fixture
def first_node_down(test_cluster: TestCluster) -> Iterator[TestCluster]:
    """The cluster with its first node down (left so by the test before, or stopped now) and
    the other two up; the first brought back afterwards."""
    first, *others = test_cluster.nodes
    test_cluster.wait_restarted()  # or it would bring the first back during the test
    if not all(map(test_cluster.is_up, others)):
        test_cluster.ensure_running()
    if test_cluster.is_up(first):
        test_cluster.stop_node(first)
    yield test_cluster
    test_cluster.restart_later()


@pytest.fixture
def cluster_majority(test_cluster: TestCluster) -> TestCluster:
    """Two nodes up at least (the third may still be coming back): quorum queues work."""
    if sum(map(test_cluster.is_up, test_cluster.nodes)) < 2:
        test_cluster.ensure_running()
    return test_cluster


@pytest.fixture
def cluster_name() -> str:
    return f"test.cluster.{uuid.uuid4().hex[:8]}"


@pytest.fixture
def cluster_exchange(cluster: TestCluster, cluster_name: str) -> str:
    """A durable topic exchange on the cluster; it and the test's tap queue (`NAME.tap`)
    deleted at the end."""
    name = cluster_name + ".payments"
    connection = cluster.connect(cluster.nodes[2])
    try:
        connection.channel().exchange_declare(name, "topic", durable=True)
    finally:
        connection.close()
    cluster.delete_later("exchange", name)
    cluster.delete_later("queue", cluster_name + ".tap")
    return name
