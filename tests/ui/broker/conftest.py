"""The Broker tab on its own, against the real broker: a profile, and panels closed after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from opsdesk.config import MonitorSettings, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.ui.broker.broker_panel import BrokerPanel
from tests.conftest import BROKER_URL

REFRESH_MS = 400  # the tab refreshes every 5 s; tests need not wait that long


def broker_profile(management_url: str | None = None, *, read_only: bool = False) -> Profile:
    return Profile(
        name="broker-tab",
        endpoint=BrokerEndpoint(url=BROKER_URL),
        bindings=(),
        tap=TapSettings(queue="unused"),
        monitor=MonitorSettings(management_url=management_url),
        read_only=read_only,
    )


@pytest.fixture
def open_panel(qtbot, tmp_path: Path) -> Iterator[Callable[..., BrokerPanel]]:
    """Shows a BrokerPanel for a profile (it starts reading at once); shut down afterwards."""
    panels: list[BrokerPanel] = []

    def open_(profile: Profile | None = None, refresh_ms: int = REFRESH_MS) -> BrokerPanel:
        panel = BrokerPanel(
            profile or broker_profile(), tmp_path / "history.sqlite", refresh_ms=refresh_ms
        )
        qtbot.addWidget(panel)
        panels.append(panel)
        panel.resize(1400, 900)
        panel.show()
        qtbot.waitExposed(panel)
        return panel

    yield open_
    for panel in panels:
        panel.shutdown()
