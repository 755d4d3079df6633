"""Settings → Alert Rules… on the whole desk: OK saves the rules into the profile's file.

The desk is built as `opsdesk` builds it, from a profiles.toml, without starting its workers
(no broker needed): the dialog is opened from the menu action, edited, accepted, and the
rules are looked for in a fresh load of profiles.toml, as the next start would read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMainWindow

from opsdesk.config import load_profiles, resolve_profile
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.events.mapping import FieldMapping
from opsdesk.ui.alerts.alert_rules_dialog import AlertRulesDialog
from opsdesk.ui.desk import Desk, build_desk
from opsdesk.ui.mapping_dialog import MappingDialog
from opsdesk.ui.settings import UiSettings

PROFILES = """\
# the desk's profiles (hand-written)
[profiles.ops]
url = "amqp://ops@127.0.0.1:5672/%2F"   # password from the keyring

[profiles.ops.monitor]
queues = ["payments.settlement", "payments.processing"]
interval = 2

[[profiles.ops.alerts]]   # pages the on-call
name = "settlement backlog"
kind = "queue_depth"
queue = "payments.settlement"
above = 500

[profiles.other]
url = "amqp://127.0.0.1:5672/%2F"
"""
NEW_NAME = 'night "settlement" 🚀'


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(PROFILES)
    return path


@pytest.fixture
def open_desk(qtbot, tmp_path: Path, ui_settings: UiSettings) -> Iterator:
    desks: list[Desk] = []

    def open_(config: Path) -> Desk:
        profile = resolve_profile("ops", config_path=config)  # as at start-up
        desk = build_desk(profile, tmp_path / "history.sqlite", ui_settings)
        qtbot.addWidget(desk.window)
        desks.append(desk)
        return desk

    yield open_
    for desk in desks:
        for shutdown in desk.shutdowns:  # the workers never started: only the panels' readers
            shutdown()


def settings_action(window: QMainWindow, text: str) -> None:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Settings")
    action = next(a for a in menu.actions() if a.text().replace("&", "").rstrip("…") == text)
    action.trigger()


def open_rules(qtbot, desk: Desk) -> AlertRulesDialog:
    settings_action(desk.window, "Alert Rules")
    # An earlier dialog may still wait for its deletion, hidden.
    (dialog,) = [d for d in desk.window.findChildren(AlertRulesDialog) if d.isVisible()]
    return dialog


def click_ok(qtbot, dialog) -> None:
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled(), dialog.problem_label.text()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_an_edited_rule_is_found_after_a_restart(qtbot, profiles: Path, open_desk) -> None:
    desk = open_desk(profiles)
    dialog = open_rules(qtbot, desk)
    picker = dialog.queue_combo
    offered = [picker.itemText(i) for i in range(picker.count())]
    assert offered == ["", "payments.processing", "payments.settlement"]  # the watched queues
    dialog.add_button.click()
    dialog.name_edit.setText(NEW_NAME)  # QTest types ASCII only
    picker.setCurrentIndex(offered.index("payments.processing"))
    dialog.threshold_spin.selectAll()
    qtbot.keyClicks(dialog.threshold_spin, "1500")
    assert dialog.threshold_spin.text() in ("1,500", "1500")
    click_ok(qtbot, dialog)
    assert "saved to profile 'ops'" in desk.window.banner.text()
    assert str(profiles) in desk.window.banner.text()

    wanted = AlertRule(NEW_NAME, RuleKind.QUEUE_DEPTH, queue="payments.processing", threshold=1500)
    after = load_profiles(profiles)  # what the next start reads
    assert after["ops"].alerts[-1] == wanted
    assert [rule.name for rule in after["ops"].alerts] == ["settlement backlog", NEW_NAME]
    assert after["other"] == load_profiles(profiles.with_name("profiles.toml.bak"))["other"]
    assert "# pages the on-call" in profiles.read_text()

    desk.window.close()
    again = open_desk(profiles)  # a restart: the dialog starts from the saved rules
    reopened = open_rules(qtbot, again)
    assert reopened.rules() == after["ops"].alerts
    reopened.reject()


def test_the_picker_follows_the_queues_the_monitor_lists(qtbot, profiles: Path, open_desk):
    from opsdesk.broker.queue_sample import QueueInfo
    from opsdesk.ui.alerts.known_queues import KnownQueues

    desk = open_desk(profiles)
    known = desk.window.findChild(KnownQueues)
    assert known is not None
    dialog = open_rules(qtbot, desk)
    dialog.queue_combo.setEditText("typed.by.hand")
    known.set_queue_list([QueueInfo("refunds", "/", True, "classic")])  # as the monitor does
    picker = dialog.queue_combo
    assert [picker.itemText(i) for i in range(picker.count())] == [
        "",
        "payments.processing",
        "payments.settlement",
        "refunds",
    ]
    assert picker.currentText() == "typed.by.hand"
    dialog.reject()
    QApplication.processEvents()  # the dialog is deleted; the next list must not reach it
    known.set_queue_list([QueueInfo("orders", "/", True, "classic")])


def test_a_file_that_cannot_be_written_says_why_and_the_rules_still_apply(
    qtbot, profiles: Path, open_desk
) -> None:
    desk = open_desk(profiles)
    profiles.with_name("profiles.toml.bak").mkdir()  # the write fails keeping the backup
    dialog = open_rules(qtbot, desk)
    dialog.add_button.click()
    click_ok(qtbot, dialog)
    text = desk.window.banner.text()
    assert "Alert rules were not saved: cannot write" in text and "Is a directory" in text
    assert "They apply to this session now" in text
    assert 'name = "rule 2"' in QApplication.clipboard().text()  # to paste by hand
    assert profiles.read_text() == PROFILES
    again = open_rules(qtbot, desk)  # the session goes on with the edited rules
    assert [rule.name for rule in again.rules()] == ["settlement backlog", "rule 2"]
    again.reject()


def test_accepted_mappings_are_saved_and_the_message_says_when_they_apply(
    qtbot, profiles: Path, open_desk
) -> None:
    desk = open_desk(profiles)
    settings_action(desk.window, "Decoding Mappings")
    dialog = desk.window.findChild(MappingDialog)
    assert dialog is not None
    dialog.add_mapping(FieldMapping("ledger 📒", payment_id="payment.ref"))
    ok = dialog.ok_button()
    assert ok.isEnabled(), dialog.problem_label.text()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert load_profiles(profiles)["ops"].mappings == (
        FieldMapping("ledger 📒", payment_id="payment.ref"),
    )
    text = desk.window.banner.text()
    assert "Decoding mappings saved to profile 'ops'" in text
    assert "keeps its mappings until opsdesk restarts" in text
