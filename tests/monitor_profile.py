"""Profiles for the tests of the queue monitor and of what reads its samples."""

from __future__ import annotations

import socket

from opsdesk.config import MonitorSettings, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from tests.conftest import BROKER_URL


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def broker_url_at(port: int) -> str:
    return f"amqp://guest:guest@127.0.0.1:{port}/%2F"


def monitor_profile(
    queues: tuple[str, ...] = (),
    *,
    url: str = BROKER_URL,
    api: bool = True,
    interval: float = 0.2,
) -> Profile:
    """Watching `queues`; without `api` the management URL is a closed port, which forces
    the passive-declare fallback."""
    management_url = None if api else f"http://127.0.0.1:{closed_port()}"
    return Profile(
        name="test",
        endpoint=BrokerEndpoint(url=url),
        bindings=(),
        tap=TapSettings(queue="unused"),
        monitor=MonitorSettings(queues=queues, interval=interval, management_url=management_url),
    )
