"""A real AlertWorker on a real history file drives the banner and the alert history view."""

from datetime import UTC, datetime, timedelta

from opsdesk.alerting.rules import AlertRule, RuleKind
from opsdesk.alerting.worker import AlertWorker
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_store import EventStore
from opsdesk.store.queue_sample_store import QueueSampleStore
from opsdesk.ui.alerts.alert_banner import AlertBanner
from opsdesk.ui.alerts.alert_bridge import AlertBridge
from opsdesk.ui.alerts.alert_history_model import FIRING, AlertHistoryModel
from opsdesk.ui.alerts.alert_history_view import AlertHistoryView

RULE = AlertRule("orders backlog", RuleKind.QUEUE_DEPTH, queue="orders", threshold=1000)
WAIT_MS = 10_000


def add_sample(path, ready, at):
    sample = QueueSample(utc_iso(at), "/", "orders", ready, 0, 1, None, None, None, False, "amqp")
    with QueueSampleStore(path) as store:
        store.add([sample])


def ended_text(view):
    return view.model.data(view.model.index(0, AlertHistoryModel.COL_ENDED))


def test_a_fired_alert_shows_in_the_banner_and_history_and_clears_from_both(qtbot, tmp_path):
    path = tmp_path / "history.db"
    EventStore(path).close()  # creates the schema
    add_sample(path, 1500, datetime.now(UTC))
    bridge = AlertBridge()
    banner = AlertBanner()
    qtbot.addWidget(banner)
    bridge.active_changed.connect(banner.show_active)
    transitions = []
    bridge.transition.connect(transitions.append)
    view = AlertHistoryView(path, bridge)
    qtbot.addWidget(view)
    worker = AlertWorker(path, [RULE], bridge, interval=0.1)
    worker.start()
    try:
        qtbot.waitUntil(lambda: not banner.isHidden(), timeout=WAIT_MS)
        assert "orders backlog" in banner.text() and "1,500" in banner.text()
        assert transitions[0].fired and transitions[0].value == 1500
        qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=WAIT_MS)
        assert ended_text(view) == FIRING and "1 firing now" in view.title_text()

        add_sample(path, 10, datetime.now(UTC) + timedelta(milliseconds=5))
        worker.evaluate_soon()
        qtbot.waitUntil(banner.isHidden, timeout=WAIT_MS)
        assert [t.state for t in transitions] == ["fired", "cleared"]
        qtbot.waitUntil(lambda: ended_text(view) not in (None, FIRING), timeout=WAIT_MS)
        assert "none firing" in view.title_text()
    finally:
        worker.stop()
        view.shutdown()
    assert transitions[1].rule == RULE and transitions[1].subject == "orders"
