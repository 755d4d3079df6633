import threading

from PySide6.QtCore import QThread

from opsdesk.ingest.tap_state import TapCounters, TapPhase, TapState
from opsdesk.ui.tap_bridge import TapBridge
from tests.ui.sample_events import numbered


def test_callbacks_from_a_worker_thread_arrive_on_the_ui_thread(qtbot):
    bridge = TapBridge()
    seen = []
    ui_thread = QThread.currentThread()

    def record(kind):
        return lambda value: seen.append((kind, value, QThread.currentThread() is ui_thread))

    bridge.state_changed.connect(record("state"))
    bridge.counters_changed.connect(record("counters"))
    bridge.events_stored.connect(record("stored"))
    events = numbered(1, 3)

    def tap_thread():
        bridge.on_state(TapState(TapPhase.CONNECTED, "broker"))
        bridge.on_counters(TapCounters(received=3, stored=3))
        bridge.on_stored(events)

    with qtbot.waitSignal(bridge.events_stored, timeout=2000):
        worker = threading.Thread(target=tap_thread)
        worker.start()
        worker.join()

    assert [kind for kind, _, _ in seen] == ["state", "counters", "stored"]
    assert all(on_ui for _, _, on_ui in seen)
    assert seen[2][1] == tuple(events)
