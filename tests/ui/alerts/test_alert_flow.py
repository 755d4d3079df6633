"""A real AlertWorker on a real history file drives the banner and the alert history view."""

from datetime import UTC, datetime, timedelta

from opsdesk.alerting.worker import AlertWorker
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config.alert_rules import AlertRule, RuleKind
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


def test_stale_queue_figures_show_their_age_and_fire_nothing(qtbot, tmp_path):
    path = tmp_path / "history.db"
    EventStore(path).close()
    add_sample(path, 1500, datetime.now(UTC) - timedelta(minutes=3))  # the broker went away
    bridge = AlertBridge()
    banner = AlertBanner()
    qtbot.addWidget(banner)
    bridge.active_changed.connect(banner.show_active)
    bridge.figures_changed.connect(banner.show_figures)
    view = AlertHistoryView(path, bridge)
    qtbot.addWidget(view)
    worker = AlertWorker(path, [RULE], bridge, interval=0.1, sample_interval=5)
    worker.start()
    try:
        qtbot.waitUntil(lambda: not view.figures_label.isHidden(), timeout=WAIT_MS)
        assert "newest sample is 3 min old" in view.figures_label.text()
        assert not banner.isHidden() and "cannot see the queues" in banner.text()
        assert worker.active == ()
    finally:
        worker.stop()
        view.shutdown()
    assert view.model.rowCount() == 0


def test_an_alert_that_cleared_while_the_desk_was_closed_is_shown_so(qtbot, tmp_path):
    path = tmp_path / "history.db"
    EventStore(path).close()
    add_sample(path, 1500, datetime.now(UTC))
    first = AlertWorker(path, [RULE], None, interval=0.1)
    first.start()
    try:
        qtbot.waitUntil(lambda: bool(first.active), timeout=WAIT_MS)
    finally:
        first.stop()  # the window closes with the alert firing

    later = datetime.now(UTC) + timedelta(minutes=20)
    add_sample(path, 10, later)  # the backlog went while nobody watched

    def clock():
        return datetime.now(UTC) + timedelta(minutes=20)

    bridge = AlertBridge()
    view = AlertHistoryView(path, bridge, clock=clock)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=WAIT_MS)
    assert ended_text(view).startswith("? not seen since")  # not "firing", not "ended"
    second = AlertWorker(path, [RULE], bridge, interval=0.1, clock=clock)
    second.start()
    try:
        qtbot.waitUntil(lambda: "cleared unwatched" in (ended_text(view) or ""), timeout=WAIT_MS)
        assert ended_text(view).startswith("≤ ")
    finally:
        second.stop()
        view.shutdown()
