import re
import socket
import threading
from collections.abc import Iterator

import pika
import pika.exceptions
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton

from opsdesk.broker.failure_text import describe_broker_failure
from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.ingest.tap_state import TapCounters, TapPhase, TapState
from opsdesk.ui.connection_status import ConnectionStatusWidget
from opsdesk.ui.tap_bridge import TapBridge
from opsdesk.ui.window_setup import build_main_window
from tests.ingest.test_tap import classic_tap

BROKER = "amqp://guest:***@127.0.0.1:5672/%2F"


class FakeClock:
    """Monotonic seconds the test moves forward by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _visible_text(status: ConnectionStatusWidget) -> str:
    """Everything the status bar shows of the widget, as an operator reads it."""
    widgets = [*status.findChildren(QLabel), *status.findChildren(QToolButton)]
    widgets.sort(key=lambda w: w.geometry().x())
    return " ".join(w.text() for w in widgets if w.isVisible() and w.text())


def _tooltips(status: ConnectionStatusWidget) -> str:
    return "\n".join(w.toolTip() for w in status.findChildren(QLabel) if w.isVisible())


def _from_tap_thread(callback, *args) -> None:
    worker = threading.Thread(target=callback, args=args)
    worker.start()
    worker.join()


@pytest.fixture
def dead_port() -> Iterator[int]:
    """A local port where nothing listens: bound (so no one else takes it), never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def test_phases_in_words(qtbot):
    status = ConnectionStatusWidget(BROKER)
    qtbot.addWidget(status)
    assert status.phase_text() == f"connecting to {BROKER}"
    status.show_state(TapState(TapPhase.CONNECTED, BROKER))
    assert status.phase_text() == f"connected to {BROKER}"
    status.show_state(TapState(TapPhase.STOPPED))
    assert status.phase_text() == "stopped"


def test_reconnecting_counts_down_to_the_next_attempt(qtbot):
    status = ConnectionStatusWidget(BROKER)
    qtbot.addWidget(status)
    status.show_state(TapState(TapPhase.RECONNECTING, "Nothing answers.", retry_in=2.2))
    assert status.phase_text() == "reconnecting for 0s, retry in 3s"
    assert status.reason_text() == "Nothing answers."
    qtbot.waitUntil(lambda: status.phase_text().endswith("retry in 2s"), timeout=3000)


def test_how_long_the_desk_has_been_disconnected_is_shown(qtbot):
    clock = FakeClock()
    status = ConnectionStatusWidget(BROKER, clock=clock)
    qtbot.addWidget(status)
    status.show()
    status.show_state(TapState(TapPhase.CONNECTED, BROKER))
    clock.now += 30
    status.show_state(TapState(TapPhase.RECONNECTING, "The connection was lost.", retry_in=1))
    clock.now += 125
    # The next attempt (CONNECTING) does not restart the count, nor hide the last reason.
    status.show_state(TapState(TapPhase.CONNECTING, BROKER))
    assert status.phase_text() == "reconnecting for 2 min, trying now"
    assert status.reason_text() == "The connection was lost."
    status.show_state(TapState(TapPhase.RECONNECTING, "Nothing answers.", retry_in=5))
    assert status.phase_text() == "reconnecting for 2 min, retry in 5s"
    assert re.search(r"Disconnected since \d\d:\d\d:\d\d", _tooltips(status))
    clock.now += 3600
    status.show_state(TapState(TapPhase.RECONNECTING, "Nothing answers.", retry_in=5))
    assert status.phase_text() == "reconnecting for 1 h 02 min, retry in 5s"

    status.show_state(TapState(TapPhase.CONNECTED, BROKER))
    assert status.phase_text() == f"connected to {BROKER}"
    assert status.shown_reason() == ""
    clock.now += 10
    status.show_state(TapState(TapPhase.RECONNECTING, "Nothing answers.", retry_in=5))
    assert status.phase_text() == "reconnecting for 0s, retry in 5s"  # a new outage


def test_a_refused_connection_reads_as_a_whole_sentence_in_the_window(
    qtbot, ui_settings, tmp_path, dead_port
):
    """Finding 6: the status bar showed a raw pika exception cut at 70 characters."""
    where = f"127.0.0.1:{dead_port}"
    with pytest.raises(pika.exceptions.AMQPConnectionError) as refused:
        pika.BlockingConnection(
            pika.ConnectionParameters("127.0.0.1", dead_port, connection_attempts=1)
        )
    sentence = describe_broker_failure(refused.value, where)
    assert "is the port right?" in sentence
    bridge = TapBridge()
    window = build_main_window(tmp_path / "h.sqlite", bridge, ui_settings, broker_label=BROKER)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    status = window.connection_status

    _from_tap_thread(bridge.on_state, TapState(TapPhase.RECONNECTING, sentence, retry_in=5))
    qtbot.waitUntil(lambda: status.state.phase == TapPhase.RECONNECTING)
    assert re.match(r"reconnecting for \d+s, retry in \d+s ", _visible_text(status))
    # Every word where the operator looks: the banner (it wraps) and the status bar's tooltip;
    # the status bar itself shows as much as fits.
    assert sentence in window.banner.text() and window.banner.isVisible()
    assert sentence in _tooltips(status)
    shown = status.shown_reason()
    assert shown == sentence or (shown.endswith("…") and sentence.startswith(shown[:-1]))

    # A narrow window shortens the sentence on screen without being forced wider by it.
    window.resize(900, 600)
    qtbot.waitUntil(lambda: window.width() <= 900)
    qtbot.waitUntil(lambda: status.shown_reason().endswith("…"))
    assert sentence in _tooltips(status)

    # Dismissed, the banner stays away for this outage; a reconnect clears it for the next.
    window.banner.hide()
    _from_tap_thread(bridge.on_state, TapState(TapPhase.RECONNECTING, sentence, retry_in=9))
    qtbot.waitUntil(lambda: status.phase_text().endswith("retry in 9s"))
    assert window.banner.isHidden()
    _from_tap_thread(bridge.on_state, TapState(TapPhase.RECONNECTING, sentence, retry_in=3))
    _from_tap_thread(bridge.on_state, TapState(TapPhase.CONNECTED, BROKER))
    qtbot.waitUntil(lambda: status.state.phase == TapPhase.CONNECTED)
    assert window.banner.isHidden() and status.shown_reason() == ""
    _from_tap_thread(bridge.on_state, TapState(TapPhase.RECONNECTING, sentence, retry_in=3))
    qtbot.waitUntil(lambda: window.banner.isVisible())
    _from_tap_thread(bridge.on_state, TapState(TapPhase.CONNECTED, BROKER))
    qtbot.waitUntil(lambda: window.banner.isHidden())


def test_a_real_tap_on_a_dead_port_shows_its_whole_reason(qtbot, ui_settings, tmp_path, dead_port):
    url = f"amqp://guest:guest@127.0.0.1:{dead_port}/%2F"
    profile = Profile(
        name="dead-port",
        endpoint=BrokerEndpoint(url=url),
        bindings=(Binding("payments.events"),),
        tap=TapSettings(queue="opsdesk.test.never-declared"),
    )
    bridge = TapBridge()
    db = tmp_path / "history.sqlite"
    window = build_main_window(db, bridge, ui_settings, broker_label=url)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    status = window.connection_status
    tap = classic_tap(profile, db, bridge)
    tap.start()
    try:
        qtbot.waitUntil(lambda: status.state.phase == TapPhase.RECONNECTING, timeout=15_000)
        detail = status.state.detail
        assert detail and status.reason_text() == detail
        assert detail in window.banner.text() and detail in _tooltips(status)
        assert re.match(r"reconnecting for \d+s, retry in \d+s", status.phase_text())
        assert "guest:guest" not in _visible_text(status) + _tooltips(status)
    finally:
        tap.stop()
    assert not tap.is_alive()


def test_counters(qtbot):
    status = ConnectionStatusWidget(BROKER)
    qtbot.addWidget(status)
    status.show_counters(TapCounters(received=12_345, stored=12_300, duplicates=45))
    assert status.counters_text() == (
        "received 12,345 · stored 12,300 · duplicates 45 · decode errors 0"
    )
    status.show_counters(TapCounters(received=3, stored=3, decode_errors=2))
    assert "decode errors 2" in status.counters_text()


def test_decode_errors_explain_themselves_and_ask_for_the_undecoded_events(qtbot):
    status = ConnectionStatusWidget(BROKER)
    qtbot.addWidget(status)
    status.show()
    status.show_counters(TapCounters(received=3, stored=3, decode_errors=2))
    button = status.decode_errors_button
    assert button.text() == "⚠ decode errors 2"
    assert "stored raw" in button.toolTip() and "reason" in button.toolTip()
    assert "History" in button.toolTip()
    with qtbot.waitSignal(status.undecoded_events_requested, timeout=1000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
