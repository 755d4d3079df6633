"""Fixtures of the simulator tests: a connection and settings on a unique exchange."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pika
import pytest

from opsdesk.broker.connection import connection_parameters
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.simulator.engine import teardown
from opsdesk.simulator.settings import SimulatorSettings

ENDPOINT = BrokerEndpoint(connection_name="opsdesk-tests")


@pytest.fixture
def connection() -> Iterator[pika.BlockingConnection]:
    conn = pika.BlockingConnection(connection_parameters(ENDPOINT))
    yield conn
    if conn.is_open:
        conn.close()


@pytest.fixture
def make_settings() -> Iterator[Callable[..., SimulatorSettings]]:
    """Settings on a unique exchange; everything declared for them is deleted afterwards."""
    made: list[SimulatorSettings] = []

    def make(**overrides: object) -> SimulatorSettings:
        exchange = f"test-sim-{uuid.uuid4().hex[:10]}.events"
        values: dict[str, object] = {"rate": 100_000.0, "seed": 7, "poison_rate": 0.0}
        values.update(overrides)
        settings = SimulatorSettings(ENDPOINT, exchange=exchange, **values)  # type: ignore[arg-type]
        made.append(settings)
        return settings

    yield make
    for settings in made:
        teardown(ENDPOINT, settings)
