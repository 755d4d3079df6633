"""Replaying history events through the dialog: dry run, guards and overrides, publish, audit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from opsdesk.events.model import Status
from opsdesk.operations.replay import (
    ALREADY_REPLAYED,
    NO_IDEMPOTENCY_KEY,
    OLDER_THAN_24H,
    PAYMENT_SUCCEEDED,
    REPLAY_OF,
)
from opsdesk.store.audit import AuditLog
from opsdesk.ui.operations.plan_view import COL_MESSAGE, COL_STATE, COL_WHY
from opsdesk.ui.operations.replay_dialog import open_replay_dialog
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, make_profile
from tests.ui.operations.conftest import WAIT_MS, payment_event, store_events

pytestmark = pytest.mark.broker


def _click(qtbot, button) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _dry_run(qtbot, dialog) -> None:
    with qtbot.waitSignal(dialog.plan_ready, timeout=WAIT_MS):
        _click(qtbot, dialog.preview_button)


def test_dry_run_lists_the_event_and_its_guards_then_overrides_send_it(
    qtbot, payments, db_path, broker: BrokerObjects
) -> None:
    exchange, queue = payments
    failed = payment_event("evt-1", exchange, age=timedelta(hours=30))
    later = payment_event("evt-2", exchange, status=Status.SUCCEEDED)
    store_events(db_path, failed, later)
    dialog = open_replay_dialog(None, make_profile(), db_path, [failed])
    qtbot.addWidget(dialog)
    assert dialog.isVisible()

    _click(qtbot, dialog.preview_button)
    assert "Give a reason" in dialog.status.text()  # the reason is required
    qtbot.keyClicks(dialog.reason, "PSP outage")
    _dry_run(qtbot, dialog)
    view = dialog.plan_view
    assert view.row_texts(COL_MESSAGE) == ["evt-1"]
    assert view.row_texts(COL_STATE) == ["guarded"]
    assert "succeeded" in view.row_texts(COL_WHY)[0] and "30 h old" in view.row_texts(COL_WHY)[0]
    assert "payment_succeeded (1)" in view.text() and "older_than_24h (1)" in view.text()
    # Exactly what would be sent where, new message id and replay headers included.
    assert "payment.failed" in view.message.toPlainText()
    assert '"x-opsdesk-replay-of": "evt-1"' in view.message.toPlainText()
    assert not dialog.run_button.isEnabled()
    overrides = dialog.overrides
    assert overrides[PAYMENT_SUCCEEDED].isEnabled() and overrides[OLDER_THAN_24H].isEnabled()
    assert not overrides[ALREADY_REPLAYED].isEnabled()
    assert not overrides[NO_IDEMPOTENCY_KEY].isEnabled()

    overrides[PAYMENT_SUCCEEDED].setChecked(True)
    assert dialog.plan is None  # an override changes the plan: dry run again
    _dry_run(qtbot, dialog)
    assert view.row_texts(COL_STATE) == ["guarded"]  # one guard still stands
    overrides[OLDER_THAN_24H].setChecked(True)
    _dry_run(qtbot, dialog)
    assert view.row_texts(COL_STATE) == ["overridden"]
    assert "overridden" in view.text()
    assert dialog.run_button.text() == "Replay 1 message(s)"

    with qtbot.waitSignal(dialog.operation_finished, timeout=WAIT_MS) as finished:
        _click(qtbot, dialog.run_button)
    result = finished.args[0]
    assert result.ok and result.audit_id is not None
    (got,) = drain(broker, queue)
    assert got.props.headers[REPLAY_OF] == "evt-1"
    assert got.props.message_id != "evt-1"
    assert json.loads(got.body)["idempotency_key"] == "idem-pay_1"
    with AuditLog(db_path, readonly=True) as audit:
        record, _intent = audit.records(action="replay")
    assert record.message_ids == ("evt-1",) and record.detail["reason"] == "PSP outage"
    assert sorted(record.detail["overridden_guards"]) == [OLDER_THAN_24H, PAYMENT_SUCCEEDED]


def test_replay_to_a_chosen_exchange_on_a_read_only_profile_is_a_dry_run_only(
    qtbot, payments, db_path, broker: BrokerObjects
) -> None:
    exchange, queue = payments
    event = payment_event("evt-9", "some-other-exchange")
    store_events(db_path, event)
    # By event id, as for every event a history filter matches: looked up when planning.
    dialog = open_replay_dialog(None, make_profile(read_only=True), db_path, ["evt-9"])
    qtbot.addWidget(dialog)
    assert not dialog.badge.isHidden()
    dialog.reason.setText("retry")
    dialog.chosen_choice.setChecked(True)
    dialog.destination_form.exchange_edit.setText(exchange)
    dialog.destination_form.routing_key_edit.setText("payment.retry")
    _dry_run(qtbot, dialog)
    assert dialog.plan_view.row_texts(COL_STATE) == ["ok"]
    assert f"exchange '{exchange}' with routing key 'payment.retry'" in dialog.plan_view.text()
    assert not dialog.run_button.isEnabled()
    assert "read-only" in dialog.run_button.toolTip()
    assert broker.message_count(queue) == 0
