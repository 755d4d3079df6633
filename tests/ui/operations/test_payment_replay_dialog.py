"""Retrying payments through the dialog, on the real broker over a real history file: the
preview in payment terms, guards and their overrides, the run, then the outcomes followed."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton

from opsdesk.events.model import Status
from opsdesk.events.replay_headers import REPLAY_OF
from opsdesk.operations.replay_guards import OLDER_THAN_24H, PAYMENT_GUARDS
from opsdesk.store.audit import AuditLog
from opsdesk.store.event_filter import EventFilter
from opsdesk.ui.operations.payment_replay_dialog import PaymentReplayDialog
from opsdesk.ui.operations.payment_replay_model import PaymentReplayModel as Model
from opsdesk.ui.operations.payment_replay_pick import PaymentPick
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, make_profile
from tests.operations.payment_history import failed_payment, outcome, request, store
from tests.ui.operations.conftest import WAIT_MS

pytestmark = pytest.mark.broker

REASON = "PSP outage 09:40-09:55"


def _open(qtbot, db_path: Path, *payment_ids: str, follow_s: int = 60) -> PaymentReplayDialog:
    pick = PaymentPick(payment_ids=payment_ids)
    dialog = PaymentReplayDialog(pick, make_profile(), db_path, follow_s=follow_s)
    qtbot.addWidget(dialog)  # closed after the test, which stops its threads
    dialog.show()
    return dialog


def _click(qtbot, button: QAbstractButton) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _preview(qtbot, dialog: PaymentReplayDialog) -> None:
    with qtbot.waitSignal(dialog.plan_ready, timeout=WAIT_MS):
        _click(qtbot, dialog.preview_button)


def _run(qtbot, dialog: PaymentReplayDialog):
    with qtbot.waitSignal(dialog.operation_finished, timeout=WAIT_MS) as finished:
        _click(qtbot, dialog.run_button)
    return finished.args[0]


def _column(dialog: PaymentReplayDialog, column: int) -> list[str]:
    model = dialog.payment_view.model
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_the_preview_lists_payments_a_tripped_guard_needs_its_override_then_the_run_sends(
    qtbot, payments: tuple[str, str], db_path: Path, broker: BrokerObjects
) -> None:
    exchange, queue = payments
    old = [
        request(2, exchange, age=timedelta(hours=30)),
        outcome(2, exchange, after=timedelta(hours=-29), error_code="gateway_timeout"),
    ]
    store(db_path, *failed_payment(1, exchange), *old)
    dialog = _open(qtbot, db_path, "pay_1", "pay_2")

    _click(qtbot, dialog.preview_button)
    assert "Give a reason" in dialog.status.text()  # the reason is required
    qtbot.keyClicks(dialog.form.reason, REASON)
    _preview(qtbot, dialog)
    assert _column(dialog, Model.COL_PAYMENT) == ["pay_1", "pay_2"]
    assert _column(dialog, Model.COL_MERCHANT) == ["acme", "acme"]
    assert _column(dialog, Model.COL_AMOUNT) == ["10.01 EUR", "10.02 EUR"]
    assert _column(dialog, Model.COL_LAST_ERROR) == ["card_declined", "gateway_timeout"]
    assert _column(dialog, Model.COL_ATTEMPTS) == ["0", "0"]
    assert _column(dialog, Model.COL_SENDS) == [
        "payment.requested · req-1",
        "payment.requested · req-2",
    ]
    assert _column(dialog, Model.COL_WHERE) == [f"{exchange} → payment.requested"] * 2
    assert _column(dialog, Model.COL_GUARDS) == ["✓ ok", f"needs override: {OLDER_THAN_24H}"]
    assert _column(dialog, Model.COL_OUTCOME) == ["", ""]  # nothing has run
    summary = dialog.plan_view.text()
    assert "Retry 2 payment(s) from the history; 1 will be sent" in summary
    assert "1 of 2 payment(s) will not be sent" in summary
    # The selected payment in full: exactly what would be sent, replay headers included.
    details = dialog.plan_view.message.toPlainText()
    assert "payment      pay_1" in details and '"x-opsdesk-replay-of": "req-1"' in details
    # Only the guard the preview tripped offers its override.
    shown = [g for g in PAYMENT_GUARDS if not dialog.form.overrides[g].isHidden()]
    assert shown == [OLDER_THAN_24H]
    assert "tripped by 1 payment(s)" in dialog.form.overrides[OLDER_THAN_24H].text()
    assert dialog.run_button.text() == "Replay 1 payment(s)"
    assert broker.message_count(queue) == 0  # a preview sends nothing

    dialog.form.overrides[OLDER_THAN_24H].setChecked(True)
    assert dialog.plan is None and not dialog.run_button.isEnabled()  # preview again first
    _preview(qtbot, dialog)
    assert _column(dialog, Model.COL_GUARDS) == ["✓ ok", f"overridden: {OLDER_THAN_24H}"]
    assert dialog.run_button.text() == "Replay 2 payment(s)"

    result = _run(qtbot, dialog)
    assert result.ok and result.done == 2
    got = drain(broker, queue)
    assert sorted(g.props.headers[REPLAY_OF] for g in got) == ["req-1", "req-2"]
    assert sorted(json.loads(g.body)["idempotency_key"] for g in got) == ["idem-1", "idem-2"]
    assert dialog.execution.outcomes.isHidden()  # the payment table says how each one ended
    assert _column(dialog, Model.COL_OUTCOME) == ["waiting…", "waiting…"]
    assert "Following 2 replayed payment(s)" in dialog.payment_view.outcome_summary.text()
    with AuditLog(db_path, readonly=True) as audit:
        record, _intent = audit.records(action="replay")
    assert record.detail["reason"] == REASON


def test_the_outcome_column_fills_in_as_outcomes_are_stored_then_sums_the_batch_up(
    qtbot, payments: tuple[str, str], db_path: Path
) -> None:
    exchange, _queue = payments
    store(db_path, *failed_payment(1, exchange), *failed_payment(2, exchange))
    dialog = _open(qtbot, db_path, "pay_1", "pay_2")
    dialog.form.reason.setText(REASON)
    _preview(qtbot, dialog)
    assert _run(qtbot, dialog).done == 2
    assert dialog.following

    # The processor answers pay_1 (a second after the replay: received after it was sent).
    later = timedelta(seconds=1)
    store(db_path, outcome(1, exchange, Status.SUCCEEDED, None, after=later, tag="-retry"))
    qtbot.waitUntil(lambda: _column(dialog, Model.COL_OUTCOME)[0] == "✓ succeeded", timeout=WAIT_MS)
    assert _column(dialog, Model.COL_OUTCOME)[1] == "waiting…"
    assert "1 succeeded, 1 waiting" in dialog.payment_view.outcome_summary.text()

    with qtbot.waitSignal(dialog.following_finished, timeout=WAIT_MS) as finished:
        store(db_path, outcome(2, exchange, after=later, tag="-retry"))
    assert finished.args[0].complete
    assert _column(dialog, Model.COL_OUTCOME) == ["✓ succeeded", "✗ failed again (card_declined)"]
    assert dialog.payment_view.outcome_summary.text() == (
        "2 replayed: 1 succeeded, 1 failed again (card_declined)"
    )
    assert not dialog.following


def test_a_payment_with_no_outcome_within_the_follow_time_says_so(
    qtbot, payments: tuple[str, str], db_path: Path
) -> None:
    exchange, _queue = payments
    store(db_path, *failed_payment(1, exchange))
    dialog = _open(qtbot, db_path, "pay_1", follow_s=1)
    assert dialog.form.follow_time.value() == 1
    dialog.form.reason.setText(REASON)
    _preview(qtbot, dialog)
    with qtbot.waitSignal(dialog.following_finished, timeout=WAIT_MS) as finished:
        _run(qtbot, dialog)
    assert not finished.args[0].complete
    assert _column(dialog, Model.COL_OUTCOME) == ["no outcome after 1 s"]
    assert dialog.payment_view.outcome_summary.text().startswith("1 replayed: 1 no outcome after")


def test_closing_the_dialog_while_following_stops_the_thread(
    qtbot, payments: tuple[str, str], db_path: Path
) -> None:
    exchange, _queue = payments
    store(db_path, *failed_payment(1, exchange))
    dialog = _open(qtbot, db_path, "pay_1", follow_s=600)
    dialog.form.reason.setText(REASON)
    _preview(qtbot, dialog)
    _run(qtbot, dialog)
    assert dialog.following

    dialog.close()
    assert not dialog.isVisible()
    assert not [t for t in threading.enumerate() if t.name == "replay-outcomes"]


def test_replaying_the_payments_of_selected_history_rows_or_of_a_filter(
    qtbot, payments: tuple[str, str], db_path: Path
) -> None:
    exchange, _queue = payments
    store(db_path, *failed_payment(1, exchange), *failed_payment(2, exchange))
    # Rows 2 and 4 are the two payments' failures (row ids in insertion order).
    pick = PaymentPick(row_ids=(4,), event_filter=EventFilter(statuses=("failed",)))
    dialog = PaymentReplayDialog(pick, make_profile(), db_path)
    qtbot.addWidget(dialog)
    assert dialog.form.selection_choice.isChecked()
    assert "1 selected row" in dialog.form.selection_choice.text()
    assert 'status "failed"' in dialog.form.filter_choice.text()
    dialog.form.reason.setText(REASON)
    _preview(qtbot, dialog)
    assert _column(dialog, Model.COL_PAYMENT) == ["pay_2"]

    dialog.form.filter_choice.setChecked(True)
    assert dialog.plan is None
    _preview(qtbot, dialog)
    assert sorted(_column(dialog, Model.COL_PAYMENT)) == ["pay_1", "pay_2"]
