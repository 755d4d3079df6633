"""Replay: a failed payment chosen in History, Ctrl+R, dry run, run; on the broker and audited."""

from __future__ import annotations

import json

import pytest
import shiboken6
from PySide6.QtCore import Qt

from opsdesk.operations.replay import REPLAY_OF, REPLAY_REASON, REPLAYED_BY, stored_copy_problem
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.operations import audit_table_model as audit_columns
from opsdesk.ui.operations.audit_panel import AuditPanel
from opsdesk.ui.operations.replay_dialog import ReplayDialog
from tests.conftest import BrokerObjects
from tests.journeys.conftest import DeskLauncher, JourneyBroker, RunningDesk
from tests.journeys.test_history import filter_failed
from tests.operations.conftest import drain

pytestmark = pytest.mark.broker

REASON = "PSP outage 10:05-10:20, retry after recovery"


def _replayable_row(panel: HistoryPanel) -> int:
    """The first listed failed event whose stored copy may be sent again (no masked PAN)."""
    for row in range(panel.model.rowCount()):
        row_id = panel.model.row_id(row)
        assert row_id is not None
        event = panel.pages.event(row_id)
        if event.idempotency_key and stored_copy_problem(event) is None:
            return row
    raise AssertionError("no failed event without a masked card number is listed")


def test_replay_a_failed_payment_from_history(
    desk: RunningDesk, journey_broker: JourneyBroker, broker: BrokerObjects
) -> None:
    op = desk.operator
    # What the payment system's consumers of payment.failed would receive.
    capture = broker.queue(f"{journey_broker.tap_queue}.capture")
    broker.channel.queue_bind(capture, journey_broker.exchange, "payment.failed")

    panel = filter_failed(desk, at_least=3)
    row = _replayable_row(panel)
    op.click_row(panel.table, row)
    row_id = panel.model.row_id(row)
    assert row_id is not None
    original = panel.pages.event(row_id)

    op.press(Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier, widget=panel.table)
    dialog = panel.findChild(ReplayDialog)
    assert dialog is not None and dialog.isVisible()
    assert [getattr(e, "event_id", e) for e in dialog.events] == [original.event_id]
    assert not dialog.run_button.isEnabled(), "nothing runs before a dry run"
    op.type_text(dialog.reason, REASON)
    plan = op.wait_for(
        dialog.plan_ready, "the dry run's plan", lambda: op.click(dialog.preview_button)
    )[0]
    assert plan.count == 1 and not any(item.blocked for item in plan.items)
    assert [item.event_id for item in plan.items] == [original.event_id]
    got = drain(broker, capture)  # the payment system's own failures, and no replay
    assert not [g for g in got if REPLAY_OF in (g.props.headers or {})], "a dry run sent"

    result = op.wait_for(
        dialog.operation_finished, "the replay to finish", lambda: op.click(dialog.run_button)
    )[0]
    assert result.ok and result.done == 1 and result.audit_id is not None
    new_message_id = result.outcomes[0].message_id
    assert new_message_id and new_message_id != original.event_id

    got: list = []
    op.wait_until(
        lambda: bool(
            got.extend(drain(broker, capture))
            or any((g.props.headers or {}).get(REPLAY_OF) == original.event_id for g in got)
        ),
        "the replayed message on the broker",
    )
    (replayed,) = [g for g in got if (g.props.headers or {}).get(REPLAY_OF) == original.event_id]
    assert replayed.routing_key == original.routing_key == "payment.failed"
    assert replayed.props.message_id == new_message_id
    assert replayed.body == original.body.encode()
    assert replayed.props.headers[REPLAYED_BY] == "journey-tester"
    assert replayed.props.headers[REPLAY_REASON] == REASON
    body = json.loads(replayed.body)
    assert body.get("idempotency_key", original.idempotency_key) == original.idempotency_key

    op.press(Qt.Key.Key_Escape, widget=dialog.run_button)
    op.wait_until(lambda: not dialog.isVisible(), "Esc to close the replay dialog")
    op.settle()
    audit = op.open_tab("Audit")
    assert isinstance(audit, AuditPanel)
    op.wait_until(
        lambda: any(r.id == result.audit_id for r in audit.model.records()),
        "the replay's audit record in the Audit tab",
    )
    row = audit.model.row_of(result.audit_id)
    assert row is not None
    record = audit.model.record(row)
    assert record is not None
    assert (record.action, record.operator, record.count) == ("replay", "journey-tester", 1)
    assert new_message_id in record.message_ids or original.event_id in record.message_ids
    op.click_row(audit.table, row)
    assert f"#{result.audit_id}" in audit.details.toPlainText()
    cells = [
        audit.model.index(row, column).data()
        for column in (audit_columns.COL_ACTION, audit_columns.COL_OPERATOR)
    ]
    assert cells == ["replay", "journey-tester"]


def test_quitting_with_a_replay_dialog_open_closes_it_and_ends_its_threads(
    launcher: DeskLauncher,
) -> None:
    """Ctrl+Q used to leave the dialog on screen and its planning thread running."""
    desk = launcher.open()
    op = desk.operator
    panel = filter_failed(desk, at_least=1)
    op.click_row(panel.table, 0)
    op.press(Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier, widget=panel.table)
    dialog = panel.findChild(ReplayDialog)
    assert dialog is not None and dialog.isVisible()
    op.type_text(dialog.reason, REASON)
    op.wait_for(dialog.plan_ready, "the preview's plan", lambda: op.click(dialog.preview_button))

    launcher.close(desk)  # Ctrl+Q and what aboutToQuit runs; fails if a thread outlives it
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
