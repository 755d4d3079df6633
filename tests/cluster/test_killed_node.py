"""A desk on a three-node cluster loses the node it is on, killed (kill -9 of its Erlang VM),
while payments flow through another node.

The tap queue is a quorum queue (replicated on the three nodes), so what it holds survives
the node. The desk must be back on another node within 10 s, and its history must hold every
event the publisher had confirmed, each once.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.ingest.tap_state import TapPhase
from tests.cluster.confirmed_publisher import ConfirmedPublisher
from tests.cluster.conftest import TestCluster
from tests.cluster.failover_checks import (
    EVENTS,
    FAILOVER_LIMIT,
    RATE,
    assert_exactly_the_confirmed,
    stored_ids,
)
from tests.ingest.test_tap import Recorder, classic_tap

pytestmark = pytest.mark.cluster


def cluster_profile(cluster: TestCluster, exchange: str, queue: str) -> Profile:
    """A desk on node 1 first, with a quorum tap queue."""
    return Profile(
        name="team",
        endpoint=cluster.endpoint(first=0),
        bindings=(Binding(exchange, "payment.#"),),
        tap=TapSettings(queue=queue, batch_interval=0.05, queue_type="quorum"),
    )


def test_tap_follows_the_cluster_when_its_node_is_killed(
    cluster: TestCluster, cluster_exchange: str, cluster_name: str, tmp_path: Path
) -> None:
    profile = cluster_profile(cluster, cluster_exchange, cluster_name + ".tap")
    db = tmp_path / "history.sqlite"
    recorder = Recorder()
    tap = classic_tap(profile, db, recorder)
    publisher = ConfirmedPublisher(cluster.nodes[2].url, cluster_exchange, EVENTS, RATE)
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
