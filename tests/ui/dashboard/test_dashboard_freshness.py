"""Every figure on the dashboard says how old it is; queue figures that are not current are grey.

Issue 9, finding 6: with a wrong broker port the management API (port 15672) still answered,
and the dashboard showed its figures as if all were well. These tests run the real
QueueMonitor against the real broker, through the MonitorBridge the window uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from opsdesk.broker.queue_monitor import QueueMonitor
from opsdesk.broker.queue_sample import MonitorPhase, MonitorState
from opsdesk.config import Profile
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_store import EventStore
from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.dashboard.headline_tiles import HeadlineTiles, Tone
from opsdesk.ui.dashboard.monitor_bridge import MonitorBridge
from tests.conftest import BrokerObjects
from tests.monitor_profile import broker_url_at, closed_port, monitor_profile
from tests.ui.dashboard.known_history import NOW, REQUESTS, queue_samples, write_history
from tests.ui.dashboard.shown_dashboard import show_dashboard

WAIT_MS = 15_000  # the management plugin refreshes its figures every 5 s
QUEUE_TILES = (HeadlineTiles.WAITING, HeadlineTiles.DEAD_LETTERS)


def make_panel(qtbot, tmp_path, bridge, clock: Callable[[], datetime]) -> DashboardPanel:
    return show_dashboard(qtbot, tmp_path, tmp_path / "history.db", bridge, clock)


@pytest.fixture
def live_panel(qtbot, tmp_path) -> Iterator[Callable[[Profile], DashboardPanel]]:
    """A dashboard fed by a real QueueMonitor for `profile`, as the window wires it."""
    EventStore(tmp_path / "history.db").close()
    started: list[tuple[QueueMonitor, DashboardPanel]] = []

    def start(profile: Profile) -> DashboardPanel:
        bridge = MonitorBridge()
        panel = make_panel(qtbot, tmp_path, bridge, lambda: datetime.now(UTC))
        monitor = QueueMonitor(profile, bridge)
        started.append((monitor, panel))
        monitor.start()
        return panel

    yield start
    for monitor, panel in started:
        monitor.stop(timeout=5.0)
        panel.shutdown()


def tile(panel: DashboardPanel, key: str):
    return panel.tiles.tiles[key]


@pytest.mark.broker
def test_a_wrong_broker_port_greys_the_queue_figures_with_the_reason(
    qtbot, live_panel, broker: BrokerObjects, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    for n in range(3):
        broker.publish("", queue, f"m{n}".encode())
    port = closed_port()
    panel = live_panel(monitor_profile((queue,), url=broker_url_at(port), interval=0.5))

    # The management API answers for the broker on 5672: figures come, but not as current.
    qtbot.waitUntil(lambda: panel.tiles.value_text(HeadlineTiles.WAITING) == "3", timeout=WAIT_MS)
    reason = (
        f"Nothing answers at 127.0.0.1:{port}: the connection was refused "
        "(is RabbitMQ running, and is the port right?)."
    )
    qtbot.waitUntil(lambda: tile(panel, HeadlineTiles.WAITING).tone is Tone.STALE, timeout=WAIT_MS)
    waiting = tile(panel, HeadlineTiles.WAITING)
    assert waiting.caption_text().startswith("⚠ not current: " + reason)
    assert reason in waiting.toolTip()
    assert waiting.age_text().startswith("as of ")
    assert tile(panel, HeadlineTiles.DEAD_LETTERS).tone is Tone.STALE
    assert panel.queue_chart.muted
    assert "not current" in panel.queue_chart.legend_text()
    assert not panel.monitor_note.isHidden()
    assert reason in panel.monitor_note.text()
    assert "management API alone" in panel.monitor_note.text()


@pytest.mark.broker
def test_an_unreachable_broker_and_api_grey_the_tiles_with_both_reasons(
    qtbot, live_panel, broker: BrokerObjects, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    port = closed_port()
    panel = live_panel(monitor_profile((queue,), url=broker_url_at(port), api=False, interval=0.5))

    qtbot.waitUntil(lambda: not panel.monitor_note.isHidden(), timeout=WAIT_MS)
    waiting = tile(panel, HeadlineTiles.WAITING)
    assert waiting.tone is Tone.STALE and waiting.value_text() == "—"
    assert f"Nothing answers at 127.0.0.1:{port}" in waiting.toolTip()
    assert "rabbitmq_management plugin" in waiting.toolTip()  # and why not the API either
    assert waiting.age_text() == "no sample yet"
    assert f"Nothing answers at 127.0.0.1:{port}" in panel.monitor_note.text()


@pytest.mark.broker
def test_a_reachable_broker_shows_current_figures_with_their_age(
    qtbot, live_panel, broker: BrokerObjects, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    broker.publish("", queue, b"one")
    panel = live_panel(monitor_profile((queue,), interval=0.5))

    qtbot.waitUntil(lambda: panel.tiles.value_text(HeadlineTiles.WAITING) == "1", timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: tile(panel, HeadlineTiles.WAITING).tone is Tone.NEUTRAL, timeout=WAIT_MS
    )
    waiting = tile(panel, HeadlineTiles.WAITING)
    assert waiting.caption_text() == "ready + unacked, watched queues"
    taken = datetime.strptime(waiting.age_text(), "as of %H:%M:%S")
    now = datetime.now(UTC)
    age = now - now.replace(hour=taken.hour, minute=taken.minute, second=taken.second)
    assert timedelta(0) <= age < timedelta(seconds=10)
    assert not panel.queue_chart.muted
    assert "not current" not in panel.queue_chart.legend_text()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_queue_figures_turn_grey_when_samples_stop_and_recover_when_they_come(
    qtbot, tmp_path
) -> None:
    write_history(tmp_path / "history.db")
    clock = Clock()
    bridge = MonitorBridge()
    panel = make_panel(qtbot, tmp_path, bridge, clock)
    try:
        bridge.on_state(MonitorState(MonitorPhase.SAMPLING, "management", "", interval=5.0))
        qtbot.waitUntil(
            lambda: tile(panel, HeadlineTiles.WAITING).age_text() == "as of 10:00:00",
            timeout=WAIT_MS,
        )
        assert tile(panel, HeadlineTiles.WAITING).tone is Tone.NEUTRAL
        clock.now = NOW + timedelta(seconds=12)  # more than two rounds of 5 s without one
        qtbot.waitUntil(
            lambda: tile(panel, HeadlineTiles.WAITING).tone is Tone.STALE, timeout=WAIT_MS
        )
        assert tile(panel, HeadlineTiles.WAITING).toolTip() == (
            "No queue sample since 10:00:00 UTC (the monitor samples every 5 s)."
        )
        assert panel.queue_chart.muted
        later = replace(queue_samples()[-2], taken_at=utc_iso(clock.now))
        assert later.queue == REQUESTS
        bridge.on_samples([later])
        qtbot.waitUntil(
            lambda: tile(panel, HeadlineTiles.WAITING).tone is Tone.NEUTRAL, timeout=WAIT_MS
        )
        assert tile(panel, HeadlineTiles.WAITING).age_text() == "as of 10:00:12"
        assert not panel.queue_chart.muted
    finally:
        panel.shutdown()


def test_samples_from_an_earlier_day_say_their_date(qtbot, tmp_path) -> None:
    write_history(tmp_path / "history.db")
    clock = Clock()
    clock.now = NOW + timedelta(days=1)
    panel = make_panel(qtbot, tmp_path, MonitorBridge(), clock)
    try:
        qtbot.waitUntil(
            lambda: tile(panel, HeadlineTiles.WAITING).age_text() == "as of 2026-03-02 10:00:00",
            timeout=WAIT_MS,
        )
        assert tile(panel, HeadlineTiles.WAITING).tone is Tone.STALE
    finally:
        panel.shutdown()


def test_history_figures_say_when_they_were_computed(qtbot, tmp_path) -> None:
    write_history(tmp_path / "history.db")
    panel = make_panel(qtbot, tmp_path, MonitorBridge(), Clock())
    try:
        qtbot.waitUntil(lambda: panel.snapshot is not None, timeout=WAIT_MS)
        for key in (HeadlineTiles.SUCCESS_RATE, HeadlineTiles.FAILURES, HeadlineTiles.OLDEST_STUCK):
            assert tile(panel, key).age_text() == "as of 10:00:00"
    finally:
        panel.shutdown()
