"""AlertRulesDialog: edits rules (add, remove, thresholds) and returns them, TOML-ready."""

from PySide6.QtWidgets import QDialogButtonBox

from opsdesk.config.alert_rules import AlertRule, RuleKind, parse_rules, rule_to_dict
from opsdesk.ui.alerts.alert_rules_dialog import AlertRulesDialog

RULES = (
    AlertRule(
        "orders backlog", RuleKind.QUEUE_DEPTH, queue="orders", threshold=1000, for_seconds=60
    ),
    AlertRule("payments success", RuleKind.SUCCESS_RATE, threshold=95, window_seconds=900),
    AlertRule("quiet", RuleKind.SILENCE, for_seconds=600),
)


def dialog(qtbot, rules=RULES):
    widget = AlertRulesDialog(rules, queues=["orders", "orders.dlq"])
    qtbot.addWidget(widget)
    return widget


def ok_enabled(widget):
    return widget.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_rules_are_listed_with_their_description_and_come_back_unchanged(qtbot):
    widget = dialog(qtbot)
    assert widget.item_list.count() == 3
    assert widget.item_list.item(0).text() == (
        "orders backlog — messages ready on orders above 1000 for 60 s"
    )
    assert widget.rules() == RULES
    assert parse_rules([rule_to_dict(rule) for rule in widget.rules()]) == RULES
    assert ok_enabled(widget)


def test_editing_a_threshold_changes_the_rule_and_its_toml(qtbot):
    widget = dialog(qtbot)
    widget.item_list.setCurrentRow(0)
    widget.threshold_spin.setValue(2500)
    widget.for_spin.setValue(120)
    assert widget.rules()[0] == AlertRule(
        "orders backlog", RuleKind.QUEUE_DEPTH, queue="orders", threshold=2500, for_seconds=120
    )
    assert rule_to_dict(widget.rules()[0]) == {
        "name": "orders backlog",
        "kind": "queue_depth",
        "queue": "orders",
        "above": 2500,
        "for_seconds": 120,
    }
    assert "above 2500 for 120 s" in widget.item_list.item(0).text()


def test_only_the_fields_of_the_rules_kind_are_shown(qtbot):
    widget = dialog(qtbot)
    widget.show()
    qtbot.waitExposed(widget)
    widget.item_list.setCurrentRow(1)  # success rate
    assert widget.merchant_edit.isVisible() and widget.min_samples_spin.isVisible()
    assert not widget.queue_combo.isVisible()
    assert widget.threshold_spin.maximum() == 100
    widget.item_list.setCurrentRow(2)  # silence
    assert not widget.threshold_spin.isVisible() and widget.for_spin.isVisible()


def test_add_and_remove_rules(qtbot):
    widget = dialog(qtbot)
    widget.add_button.click()
    assert widget.item_list.count() == 4 and widget.item_list.currentRow() == 3
    added = widget.rules()[3]
    assert added.kind is RuleKind.QUEUE_DEPTH and added.name == "rule 4"
    widget.name_edit.selectAll()
    qtbot.keyClicks(widget.name_edit, "dead letters")
    widget.kind_combo.setCurrentIndex(widget.kind_combo.findData(RuleKind.DEAD_LETTERS))
    widget.queue_combo.setEditText("orders.dlq")
    assert widget.rules()[3] == AlertRule(
        "dead letters", RuleKind.DEAD_LETTERS, queue="orders.dlq", threshold=1000.0
    )
    assert rule_to_dict(widget.rules()[3]) == {
        "name": "dead letters",
        "kind": "dead_letters",
        "queue": "orders.dlq",
        "growing": False,
        "for_seconds": 0,
    }
    widget.item_list.setCurrentRow(0)
    widget.remove_button.click()
    assert [rule.name for rule in widget.rules()] == ["payments success", "quiet", "dead letters"]


def test_duplicate_or_empty_names_block_ok_with_the_reason(qtbot):
    widget = dialog(qtbot)
    widget.item_list.setCurrentRow(2)
    widget.name_edit.setText("orders backlog")
    assert not ok_enabled(widget)
    assert "Two rules are named 'orders backlog'" in widget.problem_label.text()
    widget.name_edit.setText("")
    assert not ok_enabled(widget) and "needs a name" in widget.problem_label.text()
    widget.name_edit.setText("quiet again")
    assert ok_enabled(widget)


def test_removing_the_first_rule_shows_the_next_one_and_edits_go_to_it(qtbot):
    widget = dialog(qtbot)
    widget.item_list.setCurrentRow(0)
    widget.remove_button.click()
    assert widget.name_edit.text() == "payments success"
    widget.name_edit.selectAll()
    qtbot.keyClicks(widget.name_edit, "success rate")
    assert [rule.name for rule in widget.rules()] == ["success rate", "quiet"]


def test_thresholds_read_as_typed_counts_whole_and_rates_in_percent(qtbot):
    rules = (
        AlertRule("backlog", RuleKind.QUEUE_DEPTH, queue="orders", threshold=1000),
        AlertRule("rate", RuleKind.SUCCESS_RATE, threshold=99.25, window_seconds=900),
        AlertRule("rate 2", RuleKind.SUCCESS_RATE, threshold=95, window_seconds=900),
    )
    widget = dialog(qtbot, rules)
    widget.item_list.setCurrentRow(0)
    assert widget.threshold_spin.text() in ("1,000", "1000")  # never "1,000.0"
    assert widget.for_spin.text() == "0 s" and widget.window_spin.text() == "15 min"
    widget.item_list.setCurrentRow(1)
    assert widget.threshold_spin.text() == "99.25 %"
    widget.item_list.setCurrentRow(2)
    assert widget.threshold_spin.text() == "95 %"
    widget.item_list.setCurrentRow(0)
    assert widget.threshold_spin.text() in ("1,000", "1000")
    assert widget.rules() == rules  # looking at the rules changed none of them


def test_typing_a_count_keeps_it_whole(qtbot):
    widget = dialog(qtbot)
    widget.show()
    widget.item_list.setCurrentRow(0)
    widget.threshold_spin.selectAll()
    qtbot.keyClicks(widget.threshold_spin, "2500")
    assert widget.rules()[0].threshold == 2500
    assert widget.threshold_spin.text() in ("2,500", "2500")


def test_the_queue_picker_lists_known_queues_and_keeps_free_text(qtbot):
    widget = dialog(qtbot)
    combo = widget.queue_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["", "orders", "orders.dlq"]
    widget.item_list.setCurrentRow(0)
    combo.setEditText("payments.not-yet-declared")
    widget.set_queues(["refunds", "orders", "refunds", "payments.settlement"])
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "",
        "orders",
        "payments.settlement",
        "refunds",
    ]
    assert combo.currentText() == "payments.not-yet-declared"
    assert widget.rules()[0].queue == "payments.not-yet-declared"
    combo.setCurrentIndex(combo.findText("refunds"))
    assert widget.rules()[0].queue == "refunds"


def test_a_broker_alarm_rule_shows_only_its_hold_time_and_saves_as_such(qtbot):
    widget = dialog(qtbot, (AlertRule("broker alarm", RuleKind.BROKER_ALARM),))
    widget.show()
    qtbot.waitExposed(widget)
    widget.item_list.setCurrentRow(0)
    assert widget.kind_combo.currentText() == "Broker alarm (memory, disk) or partition"
    assert widget.for_spin.isVisible()
    assert not widget.queue_combo.isVisible() and not widget.threshold_spin.isVisible()
    widget.for_spin.setValue(20)
    assert rule_to_dict(widget.rules()[0]) == {
        "name": "broker alarm",
        "kind": "broker_alarm",
        "for_seconds": 20,
    }
    assert "partition on the broker for 20 s" in widget.item_list.item(0).text()
    assert ok_enabled(widget)
