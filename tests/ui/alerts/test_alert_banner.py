"""AlertBanner: names each firing rule and its value; gone when the alerts clear."""

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from opsdesk.alerting.evaluator import ActiveAlert
from opsdesk.alerting.freshness import StaleFigures
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.ui.alerts.alert_banner import MAX_LINES, AlertBanner
from opsdesk.ui.alerts.alert_bridge import AlertBridge

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DEPTH = AlertRule("orders backlog", RuleKind.QUEUE_DEPTH, queue="orders", threshold=1000)


def active(rule=DEPTH, subject="orders", value=1204.0, minutes=3):
    return ActiveAlert(
        rule=rule,
        subject=subject,
        since=NOW - timedelta(minutes=minutes),
        value=value,
        threshold=rule.threshold,
        message=f"{subject}: {value:,.0f} messages ready, above 1,000 for 60 s",
    )


def test_banner_appears_for_a_firing_alert_and_hides_when_it_clears(qtbot):
    banner = AlertBanner()
    qtbot.addWidget(banner)
    bridge = AlertBridge()
    bridge.active_changed.connect(lambda alerts: banner.show_active(alerts, NOW))
    banner.show()
    banner.hide()
    assert banner.isHidden()

    # The worker calls from its own thread.
    thread = threading.Thread(target=bridge.on_active_changed, args=((active(),),))
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: not banner.isHidden(), timeout=5000)
    assert "1 alert firing" in banner.text()
    assert "orders backlog: orders: 1,204 messages ready, above 1,000 for 60 s" in banner.text()
    assert "since 09:57:00 UTC (3 min)" in banner.text()

    thread = threading.Thread(target=bridge.on_active_changed, args=((),))
    thread.start()
    thread.join()
    qtbot.waitUntil(banner.isHidden, timeout=5000)


def test_dismissed_banner_comes_back_only_for_a_new_alert(qtbot):
    banner = AlertBanner()
    qtbot.addWidget(banner)
    first = active()
    banner.show_active([first], NOW)
    assert not banner.isHidden()
    banner._on_close_clicked()
    banner.show_active([first], NOW)  # same alerts, re-reported each round
    assert banner.isHidden()
    rate = AlertRule("success rate", RuleKind.SUCCESS_RATE, threshold=95)
    banner.show_active([first, active(rate, "overall", 81.5)], NOW)
    assert not banner.isHidden() and "2 alerts firing" in banner.text()


def test_many_alerts_are_counted_beyond_a_few_lines(qtbot):
    banner = AlertBanner()
    qtbot.addWidget(banner)
    alerts = [active(subject=f"queue-{n}") for n in range(MAX_LINES + 3)]
    banner.show_active(alerts, NOW)
    assert f"{MAX_LINES + 3} alerts firing" in banner.text()
    assert "… and 3 more" in banner.text()
    assert banner.text().count("orders backlog:") == MAX_LINES


def stale_figures(minutes: float = 4) -> StaleFigures:
    newest = NOW - timedelta(minutes=minutes)
    return StaleFigures(newest, NOW, 15.0, ("orders",))


def test_stale_figures_show_with_their_age_even_without_an_alert(qtbot):
    banner = AlertBanner()
    qtbot.addWidget(banner)
    banner.show_figures(stale_figures(), NOW)
    assert not banner.isHidden()
    assert "Queue alerts cannot see the queues" in banner.text()
    assert "newest sample is 4 min old (09:56:00 UTC)" in banner.text()
    assert "neither fire nor clear" in banner.text()
    banner.show_figures(None, NOW)
    assert banner.isHidden()


def test_a_firing_alert_on_stale_figures_says_they_are_not_current(qtbot):
    banner = AlertBanner()
    qtbot.addWidget(banner)
    alert = replace(active(), stale_since=NOW - timedelta(minutes=4))
    banner.show_active([alert], NOW)
    banner.show_figures(stale_figures(), NOW)
    text = banner.text()
    assert "1 alert firing" in text
    assert "not seen since 09:56:00 UTC (4 min ago): figures not current" in text
    assert "newest sample is 4 min old" in text
    banner._on_close_clicked()
    banner.show_figures(stale_figures(5), NOW)  # the same outage, a round later
    assert banner.isHidden()
