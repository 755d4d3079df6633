"""TrayNotifier: never fails without a tray; only fired alerts notify."""

from datetime import UTC, datetime

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon

from opsdesk.alerting.evaluator import AlertTransition
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.ui.alerts.tray_notifier import TrayNotifier

RULE = AlertRule("no consumers", RuleKind.NO_CONSUMERS, queue="orders")


def transition(state):
    return AlertTransition(
        state, RULE, "orders", datetime(2026, 3, 2, tzinfo=UTC), 0.0, 0.0, "orders: 0 consumers"
    )


def test_notifier_follows_tray_availability_and_skips_cleared_alerts(qtbot):
    notifier = TrayNotifier(QIcon())
    assert notifier.available == QSystemTrayIcon.isSystemTrayAvailable()
    assert notifier.notify(transition("cleared")) is False
    shown = notifier.notify(transition("fired"))
    assert shown == (notifier.available and QSystemTrayIcon.supportsMessages())
    notifier.hide()
