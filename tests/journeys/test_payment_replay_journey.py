"""Retry failed payments from History: Replay Payment, preview in payment terms, a reason, run,
then the simulator's processor answers each replayed request and the desk follows each payment
to its new outcome, in the dialog and in the payment's timeline."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt

from opsdesk.operations.replay_outcomes import OutcomeKind
from opsdesk.store.event_query import EventQuery
from opsdesk.ui.event_cells import COL_PAYMENT_ID
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.history.payment_timeline_dialog import COL_ATTEMPT_OUTCOME, PaymentTimelineDialog
from opsdesk.ui.history.timeline_attempts import outcome_text
from opsdesk.ui.operations.payment_replay_dialog import PaymentReplayDialog
from opsdesk.ui.operations.payment_replay_model import PaymentReplayModel as Model
from tests.journeys.conftest import DeskLauncher, JourneyBroker, RunningDesk
from tests.journeys.test_history import filter_failed

pytestmark = pytest.mark.broker

REASON = "PSP outage 09:40-09:55, retry after recovery"
CHOSEN = 4  # failed rows the operator selects
# The processor answers within a second or two; the follow itself waits up to its 2 min.
OUTCOMES_MS = 60_000
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _listed_payments(panel: HistoryPanel, rows: int) -> list[str]:
    found = []
    for row in range(rows):
        history_row = panel.model.row_at(row)
        assert history_row is not None
        found.append(history_row.cells[COL_PAYMENT_ID])
    return list(dict.fromkeys(found))


def _row_with_a_request(desk: RunningDesk, panel: HistoryPanel) -> int:
    """A listed failure whose payment's request the tap stored (it started after the tap)."""
    with EventQuery(desk.db_path) as query:
        for row, payment_id in enumerate(_listed_payments(panel, panel.model.rowCount())):
            if any(e.type == "payment.requested" for _, e in query.timeline(payment_id)):
                return row
    raise AssertionError("no listed failed payment has its request in the history")


def _column(dialog: PaymentReplayDialog, column: int) -> list[str]:
    model = dialog.payment_view.model
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_retry_failed_payments_from_history_and_follow_them_to_their_new_outcomes(
    desk: RunningDesk,
) -> None:
    op = desk.operator
    panel = filter_failed(desk, at_least=CHOSEN)
    op.click_row(panel.table, 0)
    op.click_row(panel.table, CHOSEN - 1, Qt.KeyboardModifier.ShiftModifier)
    chosen = _listed_payments(panel, CHOSEN)

    op.click(panel.replay_payment_button)
    dialog = desk.window.findChild(PaymentReplayDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.form.selection_choice.isChecked()
    assert not dialog.run_button.isEnabled(), "nothing runs before a preview"
    op.type_text(dialog.form.reason, REASON)
    plan = op.wait_for(dialog.plan_ready, "the preview", lambda: op.click(dialog.preview_button))[0]

    # The plan speaks payments: who, how much, what failed, and the request it re-sends.
    assert _column(dialog, Model.COL_PAYMENT) == chosen
    assert all(_column(dialog, Model.COL_MERCHANT))
    assert all(_column(dialog, Model.COL_AMOUNT))
    assert all(_column(dialog, Model.COL_LAST_ERROR))
    sendable = [p.payment_id for p in plan.replay_payments if not p.blocked]
    assert sendable, f"every chosen payment is blocked: {_column(dialog, Model.COL_GUARDS)}"
    for payment in plan.replay_payments:
        if not payment.blocked:
            assert payment.sends_request and payment.send_type == "payment.requested"
    assert dialog.run_button.text() == f"Replay {len(sendable)} payment(s)"

    result = op.wait_for(
        dialog.operation_finished, "the replay to run", lambda: op.click(dialog.run_button)
    )[0]
    assert result.done == len(sendable) and result.audit_id is not None
    op.wait_until(
        lambda: not dialog.following and "replayed:" in dialog.payment_view.outcome_summary.text(),
        "every replayed payment's new outcome",
        timeout=OUTCOMES_MS,
    )
    model = dialog.payment_view.model
    followed = {
        row.payment.payment_id: row.outcome
        for r in range(model.rowCount())
        if (row := model.row_at(r)) is not None and row.outcome is not None
    }
    assert sorted(followed) == sorted(sendable)
    assert all(o.kind is not OutcomeKind.NONE for o in followed.values()), followed
    texts = dict(
        zip(_column(dialog, Model.COL_PAYMENT), _column(dialog, Model.COL_OUTCOME), strict=True)
    )
    for payment_id, found in followed.items():
        if found.kind is OutcomeKind.SUCCEEDED:
            assert texts[payment_id] == "✓ succeeded"
        else:
            assert texts[payment_id] == f"✗ failed again ({found.error_code})"
    summary = dialog.payment_view.outcome_summary.text()
    assert summary.startswith(f"{len(sendable)} replayed: ") and "no outcome" not in summary

    # The payment's timeline shows the replay as its own attempt, with the outcome it got.
    payment_id = sendable[0]
    new_outcome = followed[payment_id]
    op.press(Qt.Key.Key_Escape, widget=dialog.run_button)
    op.wait_until(
        lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(),
        "Esc to close the payment replay dialog",
    )
    op.settle()
    op.press(Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier, widget=panel.table)
    op.type_text(panel.go_to_payment, payment_id)
    op.press(Qt.Key.Key_Return, widget=panel.go_to_payment)
    timeline = next(
        d for d in panel.findChildren(PaymentTimelineDialog) if d.payment_id == payment_id
    )
    op.wait_until(lambda: len(timeline.attempts) >= 2, "the replay in the payment's timeline")
    replay = timeline.attempts[-1]
    assert replay.label == "replay 1" and (replay.by, replay.reason) == ("journey-tester", REASON)
    assert replay.outcome is not None and replay.outcome.event.event_id == new_outcome.event_id
    row = len(timeline.attempts) - 1
    cell = timeline.attempts_table.item(row, COL_ATTEMPT_OUTCOME)
    assert cell is not None and cell.text() == outcome_text(replay)
    assert cell.text().startswith("✓" if new_outcome.kind is OutcomeKind.SUCCEEDED else "✗")


def test_quitting_while_replayed_payments_are_followed_ends_the_follow(
    launcher: DeskLauncher, journey_broker: JourneyBroker
) -> None:
    """Ctrl+Q with a payment replay dialog still waiting for outcomes closes it, thread and all."""
    desk = launcher.open()
    op = desk.operator
    panel = filter_failed(desk, at_least=3)
    op.click_row(panel.table, _row_with_a_request(desk, panel))
    op.press(Qt.Key.Key_R, CTRL_SHIFT, widget=panel.table)
    dialog = desk.window.findChild(PaymentReplayDialog)
    assert dialog is not None and dialog.isVisible()
    form = dialog.form
    op.type_text(form.reason, REASON)
    # A queue nobody consumes: no processor answers, so the follow waits out its 2 min.
    for radio in (form.chosen_choice, form.destination_form.queue_choice):
        op.click(radio, QPoint(8, radio.height() // 2))  # on its circle: a wide button's
        assert radio.isChecked()  # empty right part takes no click
    op.type_text(form.destination_form.queue_edit, journey_broker.topology.dead_letter_queue)
    plan = op.wait_for(dialog.plan_ready, "the preview", lambda: op.click(dialog.preview_button))[0]
    assert not plan.replay_payments[0].blocked, _column(dialog, Model.COL_GUARDS)
    op.wait_for(dialog.operation_finished, "the replay", lambda: op.click(dialog.run_button))
    assert dialog.following and _column(dialog, Model.COL_OUTCOME) == ["waiting…"]

    launcher.close(desk)  # Ctrl+Q and what aboutToQuit runs; fails if a thread outlives it
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
