"""The route tracer dialog against the real broker: a topology declared here, traced from
the keyboard; "reaches nothing" in red with why; a dead-letter chain; the ways into a queue;
an API that cannot be reached said in one sentence; a test message opened from a route."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from opsdesk.config import Profile
from opsdesk.ui.broker.route_question import DEAD_LETTERS, INTO, WHERE
from opsdesk.ui.broker.route_result_view import NOTHING
from opsdesk.ui.broker.route_tracer_dialog import RouteTracerDialog, open_route_tracer
from opsdesk.ui.operations.test_message_dialog import TestMessageDialog
from tests.conftest import BrokerObjects
from tests.ui.broker.conftest import broker_profile

pytestmark = pytest.mark.broker

WAIT_MS = 15_000
AS_OF = re.compile(r"^as of \d\d:\d\d:\d\d UTC \(\d+ s old\)$")


class Wiring:
    """payments (topic) -[payment.#]-> audit; -[payment.failed]-> retry.x (fanout) -> retry;
    payments' alternate exchange lost.x (fanout) -> lost. `work` dead-letters into dlx
    (direct) -[work]-> parked."""

    def __init__(self, broker: BrokerObjects, name: str) -> None:
        self.lost_x = broker.exchange(f"{name}.lost.x", "fanout")
        self.payments = f"{name}.payments"
        broker.channel.exchange_declare(
            self.payments, "topic", arguments={"alternate-exchange": self.lost_x}
        )
        broker.exchanges.append(self.payments)
        self.retry_x = broker.exchange(f"{name}.retry.x", "fanout")
        self.dlx = broker.exchange(f"{name}.dlx", "direct")
        self.audit = broker.queue(f"{name}.audit")
        self.retry = broker.queue(f"{name}.retry")
        self.lost = broker.queue(f"{name}.lost")
        self.parked = broker.queue(f"{name}.parked")
        self.work = broker.queue(f"{name}.work", **{"x-dead-letter-exchange": self.dlx})
        self.lonely = broker.queue(f"{name}.lonely")
        channel = broker.channel
        channel.queue_bind(self.audit, self.payments, "payment.#")
        channel.exchange_bind(self.retry_x, self.payments, "payment.failed")
        channel.queue_bind(self.retry, self.retry_x)
        channel.queue_bind(self.lost, self.lost_x)
        channel.queue_bind(self.parked, self.dlx, "work")
        # An exchange whose only binding no routing key can pass: `lonely` receives nothing.
        self.strict = broker.exchange(f"{name}.strict", "topic")
        self.inner = f"{name}.inner"  # internal: only `strict` can pass it anything
        channel.exchange_declare(self.inner, "direct", internal=True)
        broker.exchanges.append(self.inner)
        channel.exchange_bind(self.inner, self.strict, "a.b")
        channel.queue_bind(self.lonely, self.inner, "c.d")


@pytest.fixture
def wiring(broker: BrokerObjects, unique_name: str) -> Wiring:
    return Wiring(broker, unique_name)


@pytest.fixture
def open_tracer(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[..., RouteTracerDialog]]:
    opened: list[RouteTracerDialog] = []

    def open_(profile: Profile | None = None, **question: str) -> RouteTracerDialog:
        dialog = open_route_tracer(
            None, profile or broker_profile(), tmp_path / "history.sqlite", **question
        )
        opened.append(dialog)
        qtbot.waitExposed(dialog)
        return dialog

    yield open_
    for dialog in opened:
        if isValid(dialog):  # closing deletes it
            dialog.close()


def ask(qtbot: QtBot, dialog: RouteTracerDialog, **fields: str) -> str:
    """Fill the fields, press Enter in the last one; the answer shown. (Typed keys would pop
    the completer's list up, which the offscreen platform cannot grab the keyboard for.)"""
    question = dialog.question
    edits = {
        "exchange": question.exchange_edit,
        "routing_key": question.key_edit,
        "queue": question.queue_edit,
    }
    last = None
    for name, text in fields.items():
        last = edits[name]
        last.setText(text)
    assert last is not None
    with qtbot.waitSignal(dialog.traced, timeout=WAIT_MS) as traced:
        qtbot.keyClick(last, Qt.Key.Key_Return)
    return str(traced.args[0])


def wait_for_answer(qtbot: QtBot, dialog: RouteTracerDialog) -> str:
    """The answer a dialog opened with a question shows once its reading arrives."""
    qtbot.waitUntil(lambda: dialog.answer.topLevelItemCount() > 0, timeout=WAIT_MS)
    return dialog.answer.answer_text()


def test_enter_traces_to_the_queues_reached_with_the_path_to_each(
    open_tracer, wiring: Wiring, qtbot: QtBot
) -> None:
    dialog = open_tracer()
    qtbot.waitUntil(lambda: dialog.topology is not None, timeout=WAIT_MS)
    assert AS_OF.match(dialog.age.text()), dialog.age.text()

    answer = ask(qtbot, dialog, exchange=wiring.payments, routing_key="payment.failed")

    assert answer.splitlines()[0].startswith("Reaches 2 queues")
    assert f"{wiring.audit}: {wiring.payments} -[payment.#]-> {wiring.audit}" in answer
    expected = (
        f"{wiring.retry}: {wiring.payments} -[payment.failed]-> {wiring.retry_x} "
        f"-[fanout]-> {wiring.retry}"
    )
    assert expected in answer
    assert dialog.answer.row_colour(wiring.audit) is None
    assert dialog.publish_button.isEnabled()


def test_the_alternate_exchange_is_noted_and_nothing_said_in_red(
    open_tracer, wiring: Wiring, broker: BrokerObjects, qtbot: QtBot
) -> None:
    dialog = open_tracer()
    answer = ask(qtbot, dialog, exchange=wiring.payments, routing_key="refund.created")
    assert f"{wiring.lost}: {wiring.payments} -[alternate]-> {wiring.lost_x}" in answer
    assert f"it went to its alternate exchange {wiring.lost_x!r}" in answer

    answer = ask(qtbot, dialog, exchange=wiring.strict, routing_key="a.b")
    head = answer.splitlines()[0]
    assert head.startswith("Reaches nothing: "), answer
    assert f"passes it on to {wiring.inner!r}, where nothing routes it to a queue" in head
    assert dialog.answer.reaches_nothing
    assert dialog.answer.row_colour("Reaches nothing") == NOTHING


def test_a_queue_alone_asks_why_it_receives_nothing(
    open_tracer, wiring: Wiring, qtbot: QtBot
) -> None:
    dialog = open_tracer(queue=wiring.lonely)  # as the Broker tab opens it for a row
    answer = wait_for_answer(qtbot, dialog)
    assert dialog.question.mode == INTO
    assert (
        f"{wiring.lonely!r} has 1 binding, but no routing key passes every binding on any "
        "way in from an exchange"
    ) in answer
    assert "no routing key passes every binding on it" in answer
    assert dialog.answer.row_colour(wiring.strict) == NOTHING
    assert not dialog.publish_button.isEnabled()  # publishing is a where-does-it-go question


def test_the_dead_letter_chain_of_a_queue(open_tracer, wiring: Wiring, qtbot: QtBot) -> None:
    dialog = open_tracer()
    dialog.question.mode_box.setCurrentIndex(DEAD_LETTERS)
    assert dialog.question.queue_edit.isVisible()
    assert not dialog.question.exchange_edit.isVisible()

    answer = ask(qtbot, dialog, queue=wiring.work, routing_key="work")

    line = f"{wiring.work} -> {wiring.dlx!r} (queue argument) by the message's key 'work'"
    assert f"{line} -> {wiring.parked}" in answer, answer
    assert f"ends in: {wiring.parked}" in answer

    answer = ask(qtbot, dialog, queue=wiring.audit)
    assert "has no dead-letter exchange: what it rejects or expires is dropped" in answer
    assert dialog.answer.row_colour(wiring.audit) == NOTHING


def test_an_unreachable_api_is_one_sentence(open_tracer, qtbot: QtBot) -> None:
    dialog = open_tracer(broker_profile("http://127.0.0.1:9"), exchange="payments")

    answer = wait_for_answer(qtbot, dialog)
    assert answer == (
        "Cannot tell: Nothing answers at http://127.0.0.1:9: the connection was refused (is "
        "the rabbitmq_management plugin enabled, and is the management URL right?)."
    ), answer
    assert dialog.age.stale and dialog.age.text().startswith("⚠ No figures: Nothing answers")


def test_bad_header_lines_are_said_and_a_route_opens_a_test_message(
    open_tracer, wiring: Wiring, qtbot: QtBot
) -> None:
    dialog = open_tracer()
    qtbot.waitUntil(lambda: dialog.topology is not None, timeout=WAIT_MS)
    dialog.question.headers_edit.setPlainText("tenant=acme\nretries:=three")
    answer = ask(qtbot, dialog, exchange=wiring.payments, routing_key="payment.x")
    assert answer == "Cannot tell: Headers: header retries: 'three' is not JSON."

    dialog.question.headers_edit.setPlainText("tenant=acme")
    qtbot.mouseClick(dialog.publish_button, Qt.MouseButton.LeftButton)

    published = [d for d in dialog.writes.dialogs if isinstance(d, TestMessageDialog)]
    assert len(published) == 1
    message = published[0]
    assert message.exchange_edit.text() == wiring.payments
    assert message.key_edit.text() == "payment.x"
    assert message.headers_edit.toPlainText() == "tenant=acme"
    dialog.close()  # closes the test message dialog it opened too
    qtbot.waitUntil(lambda: not dialog.writes.dialogs, timeout=WAIT_MS)


def test_modes_show_only_their_fields(open_tracer) -> None:
    question = open_tracer(broker_profile("http://127.0.0.1:9")).question
    for mode, shown in (
        (WHERE, {"exchange", "key", "headers"}),
        (DEAD_LETTERS, {"queue", "key", "headers"}),
        (INTO, {"queue"}),
    ):
        question.mode_box.setCurrentIndex(mode)
        visible = {
            name
            for name, edit in (
                ("exchange", question.exchange_edit),
                ("queue", question.queue_edit),
                ("key", question.key_edit),
                ("headers", question.headers_edit),
            )
            if edit.isVisible()
        }
        assert visible == shown, mode
