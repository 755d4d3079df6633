"""A desk on a three-node cluster loses the node it is on while payments flow through another.

The tap queue is a quorum queue (replicated on the three nodes), so what it holds survives
the node. The desk must be back on another node within 10 s, and its history must hold every
event the publisher had confirmed, each once.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pika
import pytest

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.ingest.tap_state import TapPhase
from opsdesk.store.event_store import EventStore
from tests.cluster.confirmed_publisher import ConfirmedPublisher
from tests.cluster.conftest import ClusterNode, TestCluster
from tests.conftest import poll_until
from tests.ingest.test_tap import Recorder, classic_tap

pytestmark = pytest.mark.cluster

FAILOVER_LIMIT = 10.0  # seconds from the node's loss to the desk consuming on another
EVENTS = 1000
RATE = 250.0  # events a second: the publisher runs for 4 s, the node is lost after ~1.2 s


@pytest.fixture
def exchange(cluster: TestCluster, cluster_name: str) -> str:
    """A durable topic exchange on the cluster; it and the tap queue deleted at the end."""
    name = cluster_name + ".payments"
    with _connection(cluster.nodes[2]) as channel:
        channel.exchange_declare(name, "topic", durable=True)
    cluster.delete_later("exchange", name)
    cluster.delete_later("queue", cluster_name + ".tap")
    return name


class _connection:
    def __init__(self, node: ClusterNode) -> None:
        self._connection = pika.BlockingConnection(pika.URLParameters(node.url))

    def __enter__(self) -> pika.adapters.blocking_connection.BlockingChannel:
        return self._connection.channel()

    def __exit__(self, *exc: object) -> None:
        self._connection.close()


def cluster_profile(cluster: TestCluster, exchange: str, queue: str, **tap: object) -> Profile:
    """A desk on node 1 first, with a quorum tap queue."""
    settings = TapSettings(queue=queue, batch_interval=0.05, queue_type="quorum")
    return Profile(
        name="team",
        endpoint=cluster.endpoint(first=0),
        bindings=(Binding(exchange, "payment.#"),),
        tap=replace(settings, **tap),  # type: ignore[arg-type]
    )


def stored_ids(db: Path) -> list[str]:
    with EventStore(db, readonly=True) as store:
        return [event.event_id for event in store.latest(store.count() + 10)]


def assert_exactly_the_confirmed(db: Path, publisher: ConfirmedPublisher) -> None:
    ids = stored_ids(db)
    assert len(ids) == len(set(ids)), "an event stored twice"
    missing = set(publisher.confirmed) - set(ids)
    assert not missing, f"{len(missing)} confirmed events lost, e.g. {sorted(missing)[:5]}"
    assert set(ids) <= set(publisher.confirmed) | set(publisher.unconfirmed)


def test_tap_follows_the_cluster_when_its_node_is_killed(
    cluster: TestCluster, exchange: str, cluster_name: str, tmp_path: Path
) -> None:
    profile = cluster_profile(cluster, exchange, cluster_name + ".tap")
    db = tmp_path / "history.sqlite"
    recorder = Recorder()
    tap = classic_tap(profile, db, recorder)
    publisher = ConfirmedPublisher(cluster.nodes[2].url, exchange, EVENTS, RATE)
    tap.start()
    try:
        recorder.wait_connected()
        first = next(s for s in recorder.states if s.phase is TapPhase.CONNECTED)
        assert first.detail.endswith(f"127.0.0.1:{cluster.nodes[0].amqp}/%2F (node 1 of 3)")
        publisher.start()
        recorder.wait_for(lambda: len(recorder.stored) >= 300)
        seen = len(recorder.states)
        cluster.kill_node(cluster.nodes[0])
        lost_at = time.monotonic()
        recorder.wait_for(
            lambda: any(
                s.phase is TapPhase.CONNECTED and "(node 1 of 3)" not in s.detail
                for s in recorder.states[seen:]
            ),
            timeout=30,
        )
        back_after = time.monotonic() - lost_at
        cluster.restart_later()  # while the rest of the traffic is checked
        publisher.join(60)
        assert publisher.failure is None, publisher.failure
        recorder.wait_for(
            lambda: {e.event_id for e in recorder.stored} >= set(publisher.confirmed), 30
        )
    finally:
        publisher.stop()
        tap.stop()
    print(f"\ntap back on another node {back_after:.2f} s after its node was killed")
    assert back_after < FAILOVER_LIMIT
    assert_exactly_the_confirmed(db, publisher)
    assert recorder.counters.stored == len(stored_ids(db))


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
    cluster: TestCluster, exchange: str, cluster_name: str, tmp_path: Path
) -> None:
    profiles = tmp_path / "profiles.toml"
    nodes = ", ".join(f'"{node.address}"' for node in cluster.nodes[1:])
    profiles.write_text(
        f"""
[profiles.team]
url = "{cluster.nodes[0].url}"
nodes = [{nodes}]
[[profiles.team.bindings]]
exchange = "{exchange}"
routing_key = "payment.#"
[profiles.team.tap]
queue = "{cluster_name}.tap"
queue_type = "quorum"
batch_interval = 0.05
"""
    )
    db = tmp_path / "history.sqlite"
    publisher = ConfirmedPublisher(cluster.nodes[2].url, exchange, EVENTS, RATE)
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
