"""Declare Queue… and Publish Test Message… driven as an operator would, on the real broker:
preview, run, the audit record; a queue that exists with other settings refused plainly;
fields a queue type does not take locked; read-only profiles cannot run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsdesk.broker.management_api import ManagementClient
from opsdesk.config import Profile
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.store.audit import AuditLog
from opsdesk.ui.operations.declare_queue_dialog import DeclareQueueDialog
from opsdesk.ui.operations.operation_dialog import OperationDialog
from opsdesk.ui.operations.test_message_dialog import TestMessageDialog
from tests.conftest import BROKER_URL, BrokerObjects
from tests.operations.conftest import drain, make_profile
from tests.ui.operations.conftest import WAIT_MS

pytestmark = pytest.mark.broker


@pytest.fixture
def open_dialog(qtbot: QtBot, db_path: Path) -> Iterator[Callable[..., Any]]:
    dialogs: list[OperationDialog] = []

    def open_(kind: type[OperationDialog], profile: Profile | None = None, **fields: Any) -> Any:
        dialog = kind(profile or make_profile(), db_path, **fields)  # type: ignore[call-arg]
        qtbot.addWidget(dialog)
        dialogs.append(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    yield open_
    for dialog in dialogs:
        dialog.shutdown()


def preview(qtbot: QtBot, dialog: OperationDialog) -> str:
    """Enter in the first field previews; the summary, or why there is no plan."""
    dialog.status.clear()
    qtbot.keyClick(dialog.parameters.focusWidget() or dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: dialog.plan is not None or dialog.status.text().startswith("Cannot plan"),
        timeout=WAIT_MS,
    )
    return dialog.plan_view.text() if dialog.plan is not None else dialog.status.text()


def run(qtbot: QtBot, dialog: OperationDialog) -> Any:
    assert dialog.run_button.isEnabled(), dialog.run_button.toolTip()
    with qtbot.waitSignal(dialog.operation_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


def api_arguments(name: str) -> dict[str, Any]:
    client = ManagementClient(BrokerEndpoint(url=BROKER_URL))
    entry = client.get(f"/api/queues/%2F/{name}?columns=type,arguments")
    assert isinstance(entry, dict)
    return {"type": entry["type"], **entry["arguments"]}


def test_a_parking_queue_declared_from_the_form(
    qtbot: QtBot, open_dialog, broker: BrokerObjects, unique_name: str, db_path: Path
) -> None:
    dlx = broker.exchange(unique_name + ".dlx", "fanout")
    name = broker.track_queue(unique_name + ".parking")
    dialog: DeclareQueueDialog = open_dialog(DeclareQueueDialog)
    assert dialog.type_box.currentText() == "quorum" and not dialog.durable_box.isEnabled()
    qtbot.keyClicks(dialog.dlx_edit, dlx)
    dialog.max_length.setValue(10_000)
    dialog.delivery_limit.setValue(5)
    dialog.other_edit.setPlainText("x-message-ttl=60000")
    dialog.name_edit.setFocus()
    qtbot.keyClicks(dialog.name_edit, name)

    summary = preview(qtbot, dialog)

    assert summary.startswith(f"Declare durable quorum queue {name!r}\n"), summary
    assert f"x-dead-letter-exchange = {dlx!r}" in summary and "x-max-length = 10000" in summary
    assert dialog.plan_view.items.isHidden()  # no message list for a declare
    assert dialog.run_button.text() == f"Declare {name}"
    result = run(qtbot, dialog)
    assert result.ok
    assert dialog.execution.status.text().startswith(f"Declared queue {name!r} · audit record #")
    assert api_arguments(name) == {
        "type": "quorum",
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": dlx,
        "x-max-length": 10_000,
        "x-delivery-limit": 5,
        "x-message-ttl": 60_000,
    }
    with AuditLog(db_path, readonly=True) as audit:
        outcome, intent = audit.records(action="declare-queue")
    assert intent.outcome == "started" and outcome.id == result.audit_id


def test_an_existing_queue_with_other_settings_is_refused_plainly(
    qtbot: QtBot, open_dialog, broker: BrokerObjects, unique_name: str
) -> None:
    name = broker.queue(unique_name + ".q", **{"x-max-length": 10})
    dialog: DeclareQueueDialog = open_dialog(DeclareQueueDialog, name=name)
    dialog.type_box.setCurrentText("classic")
    dialog.max_length.setValue(20)
    dialog.name_edit.setFocus()

    said = preview(qtbot, dialog)

    assert said == (
        f"Cannot plan this: Queue {name!r} already exists with other settings: its "
        "x-max-length is 10, not 20. It is not declared again (RabbitMQ would refuse that: "
        "PRECONDITION_FAILED); delete it first or choose another name."
    )
    assert not dialog.run_button.isEnabled()
    assert api_arguments(name) == {"type": "classic", "x-max-length": 10}


def test_fields_a_type_does_not_take_are_locked_and_bad_lines_said(
    qtbot: QtBot, open_dialog
) -> None:
    dialog: DeclareQueueDialog = open_dialog(DeclareQueueDialog, name="q")
    dialog.type_box.setCurrentText("stream")
    assert not dialog.dlx_edit.isEnabled() and not dialog.delivery_limit.isEnabled()
    assert "stream queue does not take x-dead-letter-exchange" in dialog.dlx_edit.toolTip()
    dialog.type_box.setCurrentText("classic")
    assert dialog.dlx_edit.isEnabled() and not dialog.delivery_limit.isEnabled()
    assert dialog.durable_box.isEnabled()

    dialog.other_edit.setPlainText("x-max-length=lots")
    assert not dialog.preview()
    assert dialog.status.text() == "x-max-length takes a whole number, not 'lots'"


def test_a_read_only_profile_previews_but_cannot_run(
    qtbot: QtBot, open_dialog, broker: BrokerObjects, unique_name: str
) -> None:
    name = unique_name + ".ro"
    dialog: DeclareQueueDialog = open_dialog(
        DeclareQueueDialog, make_profile(read_only=True), name=name
    )
    dialog.type_box.setCurrentText("classic")
    dialog.name_edit.setFocus()
    assert preview(qtbot, dialog).startswith(f"Declare durable classic queue {name!r}")
    assert not dialog.run_button.isEnabled()
    assert "read-only" in dialog.run_button.toolTip()
    assert dialog.badge.isVisible()


def test_a_test_message_from_the_form_is_routed_and_said_where(
    qtbot: QtBot, open_dialog, broker: BrokerObjects, unique_name: str
) -> None:
    exchange = broker.exchange(unique_name + ".x", "topic")
    queue = broker.queue(unique_name + ".audit")
    broker.channel.queue_bind(queue, exchange, "test.#")
    dialog: TestMessageDialog = open_dialog(
        TestMessageDialog, exchange=exchange, routing_key="test.one", headers="tenant=acme"
    )
    dialog.body_edit.setPlainText('{"ping": true}')
    dialog.key_edit.setFocus()

    summary = preview(qtbot, dialog)

    assert summary.startswith(
        f"Publish one test message to exchange {exchange!r} with routing key 'test.one'"
    )
    assert f"it reaches 1 queue: {exchange} -[test.#]-> {queue}" in summary
    assert dialog.run_button.text() == "Publish 1 Test Message"
    assert drain(broker, queue) == []  # a preview sends nothing
    result = run(qtbot, dialog)
    assert result.ok
    status = dialog.execution.status.text()
    assert status.startswith(
        f"Routed: the broker took it and confirmed; per the tracer it went to {queue} · "
    ), status
    (got,) = drain(broker, queue)
    assert got.body == b'{"ping": true}' and got.props.headers["tenant"] == "acme"
