"""A mover killed mid-move, then the broker restarted: every message id survives."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from opsdesk.operations.sweep import SweepLimits
from tests.conftest import BrokerObjects, poll_until
from tests.operations.conftest import (
    drain,
    kill_mover_mid_move,
    publish_many,
    wait_until_all_back,
)

pytestmark = pytest.mark.broker


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=180)


def _restart_broker() -> None:
    """stop_app/start_app, then wait until AMQP and the management API answer again."""
    _rabbitmqctl("stop_app")
    _rabbitmqctl("start_app")
    _rabbitmqctl("await_startup", "--timeout", "120")
    for port in (5672, 15672):  # later tests use both: leave the broker as we found it
        poll_until(lambda port=port: _port_open(port), 60, f"port {port} closed after restart")


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_killed_mover_then_broker_restart_loses_nothing(
    broker: BrokerObjects, queues: tuple[str, str], db_path: Path
) -> None:
    source, target = queues
    ids = publish_many(broker, source, 300, delivery_mode=2)  # persistent: survives a restart
    kill_mover_mid_move(source, target, db_path, moved=30)
    _restart_broker()
    broker.reconnect()
    wait_until_all_back(broker, source, target, len(ids))
    moved = [g.props.message_id for g in drain(broker, target)]
    left = [g.props.message_id for g in drain(broker, source)]
    assert set(moved) | set(left) == set(ids)  # nothing lost
    assert 30 <= len(moved) < len(ids)
    duplicates = set(moved) & set(left)
    assert len(duplicates) <= SweepLimits(snapshot=1).window  # only what was in flight
