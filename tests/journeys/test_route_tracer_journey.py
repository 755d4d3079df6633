"""Where does this routing key go? Tools > Trace Route…, an exchange and a key typed, Enter;
then "Publish a Test Message Here…", previewed and run: the broker routed it where the tracer
said, the queue holds it and the Audit tab shows the record. The desk is quit with the
tracer still open (every thread must end)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from opsdesk.ui.broker.route_tracer_dialog import RouteTracerDialog
from opsdesk.ui.operations.audit_panel import AuditPanel
from opsdesk.ui.operations.test_message_dialog import TestMessageDialog
from tests.conftest import BrokerObjects
from tests.journeys.conftest import RunningDesk
from tests.journeys.operator import Operator
from tests.operations.conftest import drain

pytestmark = pytest.mark.broker


def type_name(op: Operator, edit: QLineEdit, text: str) -> None:
    """Type into a field whose completer may pop up its list; close the list as Esc does."""
    op.type_text(edit, text)
    completer = edit.completer()
    if completer is not None and completer.popup().isVisible():
        op.press(Qt.Key.Key_Escape, widget=completer.popup())
        op.wait_until(lambda: not completer.popup().isVisible(), "the completer to close")


def test_trace_a_routing_key_then_publish_a_test_message_there(
    desk: RunningDesk, broker: BrokerObjects, unique_name: str
) -> None:
    op = desk.operator
    exchange = broker.exchange(f"{unique_name}.routes", "topic")
    audit_queue = broker.queue(f"{unique_name}.routes.audit")
    other = broker.queue(f"{unique_name}.routes.other")
    broker.channel.queue_bind(audit_queue, exchange, "test.#")
    broker.channel.queue_bind(other, exchange, "other.*")

    op.use_menu("Tools", "Trace Route…")
    op.wait_until(lambda: _tracer() is not None, "the route tracer to open")
    tracer = _tracer()
    assert tracer is not None
    op.wait_until(lambda: tracer.topology is not None, "the vhost's topology to be read")
    assert tracer.age.text().startswith("as of ")
    type_name(op, tracer.question.exchange_edit, exchange)
    type_name(op, tracer.question.key_edit, "test.journey")
    answer = op.wait_for(
        tracer.traced,
        "the trace",
        lambda: op.press(Qt.Key.Key_Return, widget=tracer.question.key_edit),
    )[0]
    assert answer.startswith("Reaches 1 queue"), answer
    assert f"{audit_queue}: {exchange} -[test.#]-> {audit_queue}" in answer

    op.click(tracer.publish_button)
    op.wait_until(lambda: bool(tracer.writes.dialogs), "the test message dialog to open")
    dialog = tracer.writes.dialogs[0]
    assert isinstance(dialog, TestMessageDialog)
    assert (dialog.exchange_edit.text(), dialog.key_edit.text()) == (exchange, "test.journey")
    plan = op.wait_for(
        dialog.plan_ready, "the test message's preview", lambda: op.click(dialog.preview_button)
    )[0]
    assert any(
        f"it reaches 1 queue: {exchange} -[test.#]-> {audit_queue}" in w for w in plan.warnings
    )
    result = op.wait_for(
        dialog.operation_finished,
        "the test message to be published",
        lambda: op.click(dialog.run_button),
    )[0]
    assert result.ok and result.audit_id is not None
    assert dialog.execution.status.text().startswith(
        f"Routed: the broker took it and confirmed; per the tracer it went to {audit_queue}"
    )
    (got,) = drain(broker, audit_queue)
    assert got.props.message_id == result.outcomes[0].message_id
    assert got.props.headers["x-opsdesk-test-message"] == "journey-tester"
    assert drain(broker, other) == []

    op.press(Qt.Key.Key_Escape, widget=dialog.run_button)
    op.wait_until(lambda: not dialog.isVisible(), "Esc to close the test message dialog")
    op.settle()
    audit = op.open_tab("Audit")
    assert isinstance(audit, AuditPanel)
    op.wait_until(
        lambda: any(r.id == result.audit_id for r in audit.model.records()),
        "the test message's audit record in the Audit tab",
    )
    row = audit.model.row_of(result.audit_id)
    record = audit.model.record(row) if row is not None else None
    assert record is not None and record.action == "publish-test"
    assert tracer.isVisible()  # left open: quitting the desk must end its reader too


def _tracer() -> RouteTracerDialog | None:
    found = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, RouteTracerDialog) and w.isVisible()
    ]
    return found[0] if found else None
