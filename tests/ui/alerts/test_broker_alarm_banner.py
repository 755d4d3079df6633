"""A blocked broker shows as a red banner: node health values go through the real alert path
(AlertWorker on a real history file -> AlertBridge -> AlertBanner and the alert history)."""

import threading
from datetime import UTC, datetime

from opsdesk.alerting.worker import AlertWorker
from opsdesk.broker.node_health import AlarmCheck, ClusterHealth
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.store.event_store import EventStore
from opsdesk.ui.alerts.alert_banner import AlertBanner
from opsdesk.ui.alerts.alert_bridge import AlertBridge
from opsdesk.ui.alerts.alert_history_model import FIRING, AlertHistoryModel
from opsdesk.ui.alerts.alert_history_view import AlertHistoryView
from tests.broker.node_health_values import HEALTHY, cluster, over_memory, unreachable

RULE = AlertRule("broker alarm", RuleKind.BROKER_ALARM)
WAIT_MS = 10_000
MEMORY = "memory alarm on rabbit@pay-1: 1.2 GB used of a 800 MB limit; publishers are blocked"


class Broker:
    """What the management API would answer now; the test changes it, the worker reads it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = "blocked"

    def become(self, state: str) -> None:
        with self._lock:
            self._state = state

    def read(self) -> ClusterHealth:
        now = datetime.now(UTC)
        with self._lock:
            state = self._state
        if state == "unreachable":
            return unreachable(now)
        if state == "blocked":
            return cluster(now, over_memory(), check=AlarmCheck.RAISED)
        return cluster(now, HEALTHY, check=AlarmCheck.CLEAR)


def cell(view: AlertHistoryView, column: int) -> object:
    return view.model.data(view.model.index(0, column))


def test_a_memory_alarm_is_a_red_banner_until_it_clears(qtbot, tmp_path):
    path = tmp_path / "history.db"
    EventStore(path).close()
    broker = Broker()
    bridge = AlertBridge()
    banner = AlertBanner()
    qtbot.addWidget(banner)
    bridge.active_changed.connect(banner.show_active)
    view = AlertHistoryView(path, bridge)
    qtbot.addWidget(view)
    worker = AlertWorker(path, [RULE], bridge, interval=0.05, read_health=broker.read)
    worker.start()
    try:
        qtbot.waitUntil(lambda: not banner.isHidden(), timeout=WAIT_MS)
        assert "1 alert firing" in banner.text()
        assert f"broker alarm: {MEMORY} — since " in banner.text()
        assert "#c62828" in banner.styleSheet()  # the firing (red) style, not the stale one
        qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=WAIT_MS)
        assert cell(view, AlertHistoryModel.COL_SUBJECT) == "broker"
        assert cell(view, AlertHistoryModel.COL_ENDED) == FIRING

        broker.become("unreachable")  # the API stops answering: the alert stays, marked
        qtbot.waitUntil(lambda: "figures not current" in banner.text(), timeout=WAIT_MS)
        assert not banner.isHidden() and worker.active[0].stale_since is not None

        broker.become("healthy")
        qtbot.waitUntil(banner.isHidden, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: cell(view, AlertHistoryModel.COL_ENDED) not in (None, FIRING),
            timeout=WAIT_MS,
        )
        assert worker.active == ()
    finally:
        worker.stop()
        view.shutdown()
