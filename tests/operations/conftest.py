"""Fixtures for operations against the real broker: a profile, Operations, message helpers."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pika
import pytest

from opsdesk.config import Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.operations.service import Operations
from tests.conftest import BROKER_URL, BrokerObjects, poll_until


@dataclass(frozen=True)
class Got:
    """A message read back from a queue."""

    routing_key: str
    redelivered: bool
    props: pika.BasicProperties
    body: bytes


def make_profile(read_only: bool = False, operator: str = "tester") -> Profile:
    return Profile(
        name="test",
        endpoint=BrokerEndpoint(url=BROKER_URL),
        bindings=(),
        tap=TapSettings(queue="unused"),
        read_only=read_only,
        operator=operator,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite"


@pytest.fixture
def ops(db_path: Path) -> Operations:
    return Operations(make_profile(), db_path)


def publish_many(
    broker: BrokerObjects, queue: str, n: int, prefix: str = "m", **props: Any
) -> list[str]:
    """Publish n messages straight to `queue` (confirmed); their message ids, in order."""
    ids = [f"{prefix}-{i:05d}" for i in range(n)]
    for i, mid in enumerate(ids):
        body = f'{{"n": {i}, "id": "{mid}", "pad": "{"x" * 40}"}}'.encode()
        broker.publish(
            "",
            queue,
            body,
            message_id=mid,
            content_type="application/json",
            headers={"x-origin": "test", "x-n": i},
            timestamp=1_700_000_000 + i,
            **props,
        )
    return ids


def dead_letter_wiring(broker: BrokerObjects, unique_name: str) -> tuple[str, str, str]:
    """A fanout dead-letter exchange, its queue, and a work queue that dead-letters into it."""
    dlx = broker.exchange(unique_name + ".dlx", "fanout")
    dlq = broker.queue(unique_name + ".dlq")
    broker.channel.queue_bind(dlq, dlx)
    work = broker.queue(unique_name + ".work", **{"x-dead-letter-exchange": dlx})
    return dlx, dlq, work


def drain(broker: BrokerObjects, queue: str) -> list[Got]:
    """Read (and ack) every message in `queue`, in order."""
    got: list[Got] = []
    while True:
        method, props, body = broker.channel.basic_get(queue, auto_ack=True)
        if method is None:
            return got
        got.append(Got(method.routing_key, bool(method.redelivered), props, body))


def peek_all(broker: BrokerObjects, queue: str) -> list[Got]:
    """Every message in `queue`, then all put back (they come back marked redelivered)."""
    channel = broker.connection.channel()
    got = []
    while True:
        method, props, body = channel.basic_get(queue, auto_ack=False)
        if method is None:
            break
        got.append(Got(method.routing_key, bool(method.redelivered), props, body))
    channel.close()  # returns every unacked message
    return got


@pytest.fixture
def queues(broker: BrokerObjects, unique_name: str) -> Iterator[tuple[str, str]]:
    """A source and a target queue, deleted afterwards."""
    yield broker.queue(unique_name + ".src"), broker.queue(unique_name + ".dst")


MOVER = """
import sys
from pathlib import Path
from opsdesk.operations.plan import Destination
from opsdesk.operations.service import Operations
from tests.operations.conftest import make_profile

ops = Operations(make_profile(), Path(sys.argv[3]))
plan = ops.plan_move(sys.argv[1], Destination.queue(sys.argv[2]))
ops.execute(plan, on_progress=lambda p: print(p.done, flush=True), rate_limit=300)
"""


def kill_mover_mid_move(source: str, target: str, db_path: Path, moved: int) -> None:
    """Run a move in another process (slowly) and SIGKILL it once `moved` were confirmed."""
    mover = subprocess.Popen(
        [sys.executable, "-c", MOVER, source, target, str(db_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert mover.stdout is not None
        for line in mover.stdout:
            if int(line) >= moved:
                break
        mover.send_signal(signal.SIGKILL)
    finally:
        mover.wait(10)


def wait_until_all_back(broker: BrokerObjects, source: str, target: str, total: int) -> None:
    """Unacked messages return to the source once the broker notices the dead connection."""
    poll_until(
        lambda: broker.message_count(source) + broker.message_count(target) >= total,
        timeout=10,
        failure="unacked messages did not come back",
    )
