"""A mover killed mid-move, then the broker restarted: every message id survives."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opsdesk.operations.sweep import SweepLimits
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, publish_many
from tests.operations.test_move import MOVER

pytestmark = pytest.mark.broker


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=180)


def _restart_broker() -> None:
    """stop_app/start_app, then wait until AMQP and the management API answer again."""
    _rabbitmqctl("stop_app")
    _rabbitmqctl("start_app")
    _rabbitmqctl("await_startup", "--timeout", "120")
    deadline = time.monotonic() + 60
    for port in (5672, 15672):  # later tests use both: leave the broker as we found it
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"port {port} closed after the restart"
                time.sleep(0.1)  # a listening port has no signal to wait on


def test_killed_mover_then_broker_restart_loses_nothing(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 300, delivery_mode=2)  # persistent: survives a restart
    mover = subprocess.Popen(
        [sys.executable, "-c", MOVER, source, target, str(db_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert mover.stdout is not None
        for line in mover.stdout:
            if int(line) >= 30:
                break
        mover.send_signal(signal.SIGKILL)
    finally:
        mover.wait(10)
    _restart_broker()
    broker.reconnect()
    deadline = time.monotonic() + 10
    while broker.message_count(source) + broker.message_count(target) < len(ids):
        assert time.monotonic() < deadline, "messages missing after the restart"
        time.sleep(0.05)  # the broker's counts have no signal to wait on
    moved = [g.props.message_id for g in drain(broker, target)]
    left = [g.props.message_id for g in drain(broker, source)]
    assert set(moved) | set(left) == set(ids)  # nothing lost
    assert 30 <= len(moved) < len(ids)
    duplicates = set(moved) & set(left)
    assert len(duplicates) <= SweepLimits(snapshot=1).window  # only what was in flight
