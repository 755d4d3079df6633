"""Fixtures of the ingest tests."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BrokerObjects


@pytest.fixture
def tap_setup(broker: BrokerObjects, unique_name: str, tmp_path: Path) -> Iterator[tuple]:
    exchange = broker.exchange(unique_name + ".x")
    queue = broker.track_queue(unique_name + ".tap")
    yield exchange, queue, tmp_path / "history.sqlite"


@pytest.fixture
def stream_setup(broker: BrokerObjects, unique_name: str, tmp_path: Path) -> Iterator[tuple]:
    """(an exchange, a stream name deleted after the test, a history path)."""
    exchange = broker.exchange(unique_name + ".x")
    stream = broker.track_queue(unique_name + ".stream")
    yield exchange, stream, tmp_path / "history.sqlite"


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def private_vhost() -> Iterator[str]:
    """A vhost of its own, so closing "all" connections touches only this test's."""
    vhost = f"opsdesk-test-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield vhost
    rabbitmqctl("delete_vhost", vhost)
