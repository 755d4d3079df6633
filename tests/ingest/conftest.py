"""Fixtures of the ingest tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BrokerObjects


@pytest.fixture
def tap_setup(broker: BrokerObjects, unique_name: str, tmp_path: Path) -> Iterator[tuple]:
    exchange = broker.exchange(unique_name + ".x")
    queue = broker.track_queue(unique_name + ".tap")
    yield exchange, queue, tmp_path / "history.sqlite"
