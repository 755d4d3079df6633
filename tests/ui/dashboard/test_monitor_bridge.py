"""MonitorBridge: the monitor's callbacks, called on a worker thread, arrive as queued signals."""

import threading

from opsdesk.broker.queue_sample import MonitorPhase, MonitorState, QueueInfo, QueueSample
from opsdesk.ui.dashboard.monitor_bridge import MonitorBridge


def sample(queue="orders", ready=5):
    return QueueSample(
        "2026-03-02T10:00:00.000Z", "/", queue, ready, 1, 2, None, None, None, False, "amqp"
    )


def test_callbacks_from_a_worker_thread_arrive_on_the_ui_thread(qtbot):
    bridge = MonitorBridge()
    received = []

    def record(kind):
        return lambda value: received.append(
            (kind, value, threading.current_thread() is threading.main_thread())
        )

    bridge.state_changed.connect(record("state"))
    bridge.samples_arrived.connect(record("samples"))
    bridge.queue_list_changed.connect(record("queues"))
    state = MonitorState(MonitorPhase.SAMPLING, "amqp", "fallback")
    samples = [sample("orders"), sample("orders.dlq", 3)]
    queues = [QueueInfo("orders", "/", True, "classic")]

    def worker():
        bridge.on_state(state)
        bridge.on_samples(samples)
        bridge.on_queue_list(queues)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(received) == 3, timeout=5000)
    assert received == [
        ("state", state, True),
        ("samples", tuple(samples), True),
        ("queues", tuple(queues), True),
    ]
