from opsdesk.broker.tap_state import TapCounters, TapPhase, TapState
from opsdesk.ui.connection_status import ConnectionStatusWidget

BROKER = "amqp://guest:***@127.0.0.1:5672/%2F"


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
    status.show_state(TapState(TapPhase.RECONNECTING, "cannot connect: refused", retry_in=2.2))
    assert status.phase_text() == "reconnecting: cannot connect: refused, retry in 3s"
    qtbot.waitUntil(lambda: status.phase_text().endswith("retry in 2s"), timeout=3000)


def test_long_reasons_are_shortened_with_the_full_text_in_the_tooltip(qtbot):
    status = ConnectionStatusWidget(BROKER)
    qtbot.addWidget(status)
    reason = "cannot connect: " + "x" * 300
    status.show_state(TapState(TapPhase.RECONNECTING, reason, retry_in=5))
    assert len(status.phase_text()) < 120
    assert status.phase_text().endswith("retry in 5s")


def test_counters(qtbot):
    status = ConnectionStatusWidget(BROKER)
    qtbot.addWidget(status)
    status.show_counters(TapCounters(received=12_345, stored=12_300, duplicates=45))
    assert status.counters_text() == (
        "received 12,345 · stored 12,300 · duplicates 45 · decode errors 0"
    )
    status.show_counters(TapCounters(received=3, stored=3, decode_errors=2))
    assert "decode errors 2" in status.counters_text()
