"""The window on the real tap and the real broker."""

import json

import pytest

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.ingest.tap_state import TapPhase
from opsdesk.simulator.engine import teardown
from opsdesk.simulator.settings import SimulatorSettings
from opsdesk.simulator.topology import declare
from opsdesk.ui.demo_traffic import DemoTraffic
from opsdesk.ui.tap_bridge import TapBridge
from opsdesk.ui.window_setup import build_main_window
from tests.conftest import BROKER_URL
from tests.ingest.test_tap import classic_tap

pytestmark = pytest.mark.broker


def _profile(exchange: str, queue: str, url: str = BROKER_URL) -> Profile:
    return Profile(
        name="ui-test",
        endpoint=BrokerEndpoint(url=url),
        bindings=(Binding(exchange, "payment.#"),),
        tap=TapSettings(queue=queue, batch_interval=0.05),
    )


def _native(n: int, status: str) -> bytes:
    return json.dumps(
        {
            "event_id": f"ui-evt-{n}",
            "type": f"payment.{status}",
            "status": status,
            "payment_id": f"pay-ui-{n}",
            "merchant": "acme",
            "amount_minor": 1000 + n,
            "currency": "EUR",
        }
    ).encode()


@pytest.fixture
def demo_settings(broker, unique_name):
    """The simulator's own topology, declared before the tap binds to its exchange."""
    settings = SimulatorSettings(
        endpoint=BrokerEndpoint(url=BROKER_URL), exchange=unique_name + ".x", rate=200, seed=7
    )
    declare(broker.channel, settings.topology())
    try:
        yield settings
    finally:
        teardown(settings.endpoint, settings)


@pytest.fixture
def open_live_window(qtbot, broker, unique_name, ui_settings, tmp_path):
    """Opens a window fed by a running tap on `exchange`; taps are stopped (joined) after."""
    taps = []

    def open_(exchange: str):
        queue = broker.track_queue(unique_name + ".tap")
        db = tmp_path / "history.sqlite"
        bridge = TapBridge()
        window = build_main_window(db, bridge, ui_settings, broker_label="local broker")
        qtbot.addWidget(window)
        window.show()
        tap = classic_tap(_profile(exchange, queue), db, bridge)
        taps.append(tap)
        tap.start()
        return window

    yield open_
    for tap in taps:
        tap.stop()
        assert not tap.is_alive()


def test_events_published_while_the_window_is_open_appear(
    qtbot, broker, unique_name, open_live_window
):
    exchange = broker.exchange(unique_name + ".x")
    window = open_live_window(exchange)
    status = window.connection_status
    qtbot.waitUntil(lambda: status.state.phase == TapPhase.CONNECTED, timeout=15_000)
    assert status.phase_text().startswith("connected to amqp://guest:***@127.0.0.1")

    for n, outcome in enumerate(("succeeded", "failed", "succeeded"), start=1):
        broker.publish(exchange, f"payment.{outcome}", _native(n, outcome), message_id=f"m-{n}")

    model = window.table.model()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=15_000)
    assert [model.event_at(row).payment_id for row in range(3)] == [
        "pay-ui-3",
        "pay-ui-2",
        "pay-ui-1",
    ]
    qtbot.waitUntil(lambda: "stored 3" in status.counters_text(), timeout=5_000)
    window.table.selectRow(1)
    assert '"status": "failed"' in window.details.text()


def test_demo_traffic_flows_into_the_window(qtbot, demo_settings, open_live_window):
    window = open_live_window(demo_settings.exchange)
    traffic = DemoTraffic(demo_settings)
    failures = []
    traffic.failed.connect(failures.append)
    traffic.start()
    try:
        qtbot.waitUntil(lambda: window.table.model().rowCount() >= 10, timeout=20_000)
    finally:
        traffic.stop()
    assert not traffic.is_alive()
    assert failures == []


def test_demo_traffic_without_a_broker_is_reported_not_raised(qtbot):
    settings = SimulatorSettings(
        endpoint=BrokerEndpoint(url="amqp://guest:guest@127.0.0.1:1/%2F"), exchange="nowhere"
    )
    traffic = DemoTraffic(settings)
    with qtbot.waitSignal(traffic.failed, timeout=15_000) as failed:
        traffic.start()
    traffic.stop()
    assert failed.args[0].startswith("Demo traffic stopped")
    assert not traffic.is_alive()
