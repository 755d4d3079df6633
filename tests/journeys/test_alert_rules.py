"""Alert rules edited in the window are there after a restart (a fresh load of profiles.toml)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from opsdesk.config.alert_rules import RuleKind
from opsdesk.ui.alerts.alert_rules_dialog import AlertRulesDialog
from tests.journeys.conftest import DeskLauncher, JourneyBroker, RunningDesk

pytestmark = pytest.mark.broker

NEW_RULE = "settlement backlog"
SUCCESS_RULE = "success rate below 90%"  # one of the three rules a profile has by default
BROKER_RULE = "broker alarm"  # another


def open_rules(desk: RunningDesk) -> AlertRulesDialog:
    desk.operator.use_menu("Settings", "Alert Rules…")
    dialog = desk.window.findChild(AlertRulesDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def rule_names(dialog: AlertRulesDialog) -> list[str]:
    return [rule.name for rule in dialog.rules()]


def test_an_edited_alert_rule_is_there_after_a_restart(
    launcher: DeskLauncher, journey_broker: JourneyBroker
) -> None:
    settlement = journey_broker.topology.stuck_queue
    desk = launcher.open()
    op = desk.operator
    dialog = open_rules(desk)
    assert rule_names(dialog) == ["dead letters", BROKER_RULE, SUCCESS_RULE]

    # Tighten the success-rate rule to 95 %.
    op.click_row(dialog.item_list, rule_names(dialog).index(SUCCESS_RULE))
    op.type_text(dialog.threshold_spin.lineEdit(), "95")
    op.press(Qt.Key.Key_Tab, widget=dialog.threshold_spin)
    # A new rule: the settlement queue's backlog, its queue chosen from the picker.
    op.click(dialog.add_button)
    op.type_text(dialog.name_edit, NEW_RULE)
    picker = dialog.queue_combo
    queues = [picker.itemText(i) for i in range(picker.count())]
    assert settlement in queues, f"the queue picker offers {queues}"
    op.choose(picker, queues.index(settlement))
    op.type_text(dialog.threshold_spin.lineEdit(), "500")
    op.press(Qt.Key.Key_Tab, widget=dialog.threshold_spin)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled(), dialog.problem_label.text()
    op.click(ok)
    op.wait_until(lambda: not dialog.isVisible(), "OK to close the rule editor")
    op.settle()

    launcher.close(desk)
    again = launcher.open()  # a new start: profiles.toml read afresh
    rules = {rule.name: rule for rule in again.profile.alerts}
    assert set(rules) == {"dead letters", BROKER_RULE, SUCCESS_RULE, NEW_RULE}
    assert rules[SUCCESS_RULE].threshold == 95.0
    backlog = rules[NEW_RULE]
    assert (backlog.kind, backlog.queue, backlog.threshold) == (
        RuleKind.QUEUE_DEPTH,
        settlement,
        500.0,
    )
    dialog = open_rules(again)
    assert rule_names(dialog) == ["dead letters", BROKER_RULE, SUCCESS_RULE, NEW_RULE]
    op = again.operator
    op.press(Qt.Key.Key_Escape, widget=dialog.item_list)
    op.wait_until(lambda: not dialog.isVisible(), "Esc to close the rule editor")
