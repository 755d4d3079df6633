"""The three-node test cluster (scripts/test-cluster), started once for the tests that need it.

The broker on 5672 stays what the rest of the suite uses; the cluster's nodes have their own
ports and are never joined to it. A cluster already running when the session starts (another
session, or started by hand) is used and left running; one the session started is stopped
at its end. A test that stops or kills a node has it brought back before the next test
starts (`restart_later`, then `ensure_running`).
"""

from __future__ import annotations

import os
import shutil
import signal
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

    def restart_later(self) -> None:
        """Bring stopped or killed nodes back in the background; the next test waits for it."""
        self._restarting = subprocess.Popen(
            [str(SCRIPT), "start"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def ensure_running(self) -> None:
        if self._restarting is not None:
            self._restarting.wait(START_TIMEOUT)
            self._restarting = None
        run_script("start")

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
    nodes = parse_ports(run_script("start"))
    cluster = TestCluster(nodes, time.monotonic() - started)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        how = "already running" if already else f"started in {cluster.start_seconds:.1f} s"
        reporter.write_line(f"\ntest cluster ({len(nodes)} nodes): {how}")
    try:
        yield cluster
    finally:
        if cluster._restarting is not None:
            cluster._restarting.wait(START_TIMEOUT)
        if not already:
            run_script("stop", timeout=120)


@pytest.fixture
def cluster(test_cluster: TestCluster) -> TestCluster:
    """The cluster with its three nodes running (brought back if an earlier test stopped one)."""
    test_cluster.ensure_running()
    return test_cluster


@pytest.fixture
def cluster_name() -> str:
    return f"test.cluster.{uuid.uuid4().hex[:8]}"
