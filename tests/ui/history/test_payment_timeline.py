"""A payment's timeline: from a row, from the go-to box, with its steps in order."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from opsdesk.events.model import Status
from opsdesk.store.event_store import EventStore
from opsdesk.ui import event_cells
from opsdesk.ui.history.payment_timeline_dialog import PaymentTimelineDialog
from opsdesk.ui.history.timeline_steps import format_gap, outcome, timeline_steps
from tests.ui.history.conftest import Lifecycle, event, wait_complete


def _types(dialog):
    return [dialog.steps_table.item(r, 3).text() for r in range(dialog.steps_table.rowCount())]


def test_enter_on_a_row_opens_its_payment_timeline(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    # Row 0 is event 2999, the last step of payment 999; payment 990 failed.
    row = 3_000 - 1 - (990 * 3 + 1)
    panel.table.setFocus()
    panel.table.setCurrentIndex(panel.model.index(row, event_cells.COL_TYPE))
    opened = []
    panel.payment_activated.connect(opened.append)

    qtbot.keyClick(panel.table, Qt.Key.Key_Return)

    assert opened == [Lifecycle.payment_id(990)]
    dialog = panel.findChild(PaymentTimelineDialog)
    qtbot.waitUntil(lambda: dialog.steps_table.rowCount() == 3)
    assert _types(dialog) == ["payment.requested", "payment.authorized", "payment.failed"]
    assert dialog.outcome_label.text() == f"✗ failed · {Lifecycle.error(990)}"
    assert "3 events" in dialog.summary.text() and Lifecycle.merchant(990) in dialog.summary.text()
    gaps = [dialog.steps_table.item(r, 2).text() for r in range(3)]
    assert gaps == ["", "+7.0 s", "+7.0 s"]
    # The last step is selected, its raw message shown below.
    assert dialog.details.shown_event.type == "payment.failed"
    dialog.steps_table.selectRow(0)
    assert dialog.details.shown_event.type == "payment.requested"


def test_double_click_opens_the_timeline(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    table = panel.table
    index = panel.model.index(0, event_cells.COL_PAYMENT_ID)
    position = table.visualRect(index).center()
    # A real double-click starts with a press; QTest's mouseDClick sends only the second half.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=position)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=position)
    dialog = panel.findChild(PaymentTimelineDialog)
    assert dialog is not None and dialog.payment_id == Lifecycle.payment_id(999)
    qtbot.waitUntil(lambda: dialog.steps_table.rowCount() == 3)
    assert dialog.outcome_label.text() == "✓ succeeded"


def test_ctrl_l_and_a_payment_id_open_its_timeline(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert panel.go_to_payment.hasFocus()
    qtbot.keyClicks(panel.go_to_payment, Lifecycle.payment_id(42))
    qtbot.keyClick(panel.go_to_payment, Qt.Key.Key_Return)
    dialog = panel.findChild(PaymentTimelineDialog)
    qtbot.waitUntil(lambda: dialog.steps_table.rowCount() == 3)
    assert dialog.windowTitle() == f"Payment {Lifecycle.payment_id(42)}"


def test_an_unknown_payment_says_so(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    dialog = panel.open_timeline("pay_does_not_exist")
    qtbot.waitUntil(lambda: "No stored events" in dialog.summary.text())
    assert dialog.steps_table.rowCount() == 0
    assert not dialog.export_button.isEnabled()


def test_a_replayed_step_is_marked(qtbot, open_panel, tmp_path):
    db = tmp_path / "history.sqlite"
    steps = [event(i) for i in range(3)]
    replay = replace(
        steps[2],
        event_id="evt-replay",
        received_at="2026-03-02T09:05:00.000Z",
        occurred_at="2026-03-02T09:05:00.000Z",
        headers=json.dumps({"x-opsdesk-replay-of": steps[2].event_id}),
    )
    with EventStore(db) as store:
        store.insert_batch([*steps, replay])
    panel = open_panel(db)
    dialog = panel.open_timeline(Lifecycle.payment_id(0))
    qtbot.waitUntil(lambda: dialog.steps_table.rowCount() == 4)
    assert _types(dialog)[3] == "↻ replay · payment.failed"
    assert "1 replay" in dialog.summary.text()


def test_an_open_timeline_shows_the_payments_new_events_as_they_are_stored(
    qtbot, open_panel, tmp_path
):
    db = tmp_path / "history.sqlite"
    failed = [event(i) for i in range(3)]  # payment 0 failed
    with EventStore(db) as store:
        store.insert_batch(failed)
    panel = open_panel(db)
    dialog = panel.open_timeline(Lifecycle.payment_id(0))
    qtbot.waitUntil(lambda: dialog.steps_table.rowCount() == 3)
    dialog.steps_table.selectRow(0)  # the operator reads the request meanwhile
    retried = replace(
        failed[2],
        event_id="evt-retry-succeeded",
        type="payment.succeeded",
        status=Status.SUCCEEDED,
        error_code=None,
        received_at="2026-03-02T09:05:00.000Z",
        occurred_at="2026-03-02T09:05:00.000Z",
    )
    other = event(4)  # another payment's: no read for this window
    with EventStore(db) as store:
        store.insert_batch([retried, other])

    panel.notify_events_stored([retried, other])

    qtbot.waitUntil(lambda: dialog.steps_table.rowCount() == 4)
    assert _types(dialog)[3] == "payment.succeeded"
    assert dialog.outcome_label.text() == "✓ succeeded"
    assert dialog.steps_table.currentRow() == 0  # left where the operator put it


def test_a_replay_copy_is_placed_and_timed_when_it_was_sent(qtbot, open_panel, tmp_path):
    # The desk stores its own copy a batch after sending it: by then the payment system
    # may have answered. Its body holds the original's time, which it must not show.
    db = tmp_path / "history.sqlite"
    steps = [event(i) for i in range(3)]  # payment 0: requested, authorized, failed
    copy = replace(
        steps[0],
        event_id="evt-replay-1",
        received_at="2026-03-02T09:05:00.600Z",
        headers=json.dumps(
            {
                "x-opsdesk-replay-of": steps[0].event_id,
                "x-opsdesk-replayed-at": "2026-03-02T09:05:00.100Z",
            }
        ),
    )
    answer = replace(
        steps[2],
        event_id="evt-answer",
        received_at="2026-03-02T09:05:00.650Z",
        occurred_at="2026-03-02T09:05:00.300Z",
    )
    with EventStore(db) as store:
        store.insert_batch([*steps, copy, answer])
    panel = open_panel(db)
    dialog = panel.open_timeline(Lifecycle.payment_id(0))
    qtbot.waitUntil(lambda: dialog.steps_table.rowCount() == 5)
    assert _types(dialog)[3:] == ["↻ replay · payment.requested", "payment.failed"]
    assert dialog.steps_table.item(3, 1).text() == "2026-03-02 09:05:00.100"
    assert dialog.steps_table.item(4, 2).text() == "+200 ms"
    sent = [dialog.attempts_table.item(r, 1).text() for r in range(2)]
    assert sent[1] == "2026-03-02 09:05:00.100"


def test_reopening_a_payment_raises_the_same_window(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    first = panel.open_timeline(Lifecycle.payment_id(1))
    assert panel.open_timeline(Lifecycle.payment_id(1)) is first
    assert panel.open_timeline(Lifecycle.payment_id(2)) is not first


@pytest.mark.parametrize(
    ("gap", "text"),
    [
        (timedelta(milliseconds=120), "+120 ms"),
        (timedelta(seconds=3, milliseconds=450), "+3.4 s"),
        (timedelta(minutes=4, seconds=10), "+4 min 10 s"),
        (timedelta(hours=2, minutes=5), "+2 h 5 min"),
        (timedelta(days=3, hours=4), "+3 d 4 h"),
        (timedelta(seconds=-2), "-2.0 s"),
        (None, ""),
    ],
)
def test_format_gap(gap, text):
    assert format_gap(gap) == text


def test_outcome_is_the_latest_decisive_status():
    succeeded = [(i + 1, event(i)) for i in range(3, 6)]  # payment 1
    refunded = replace(succeeded[-1][1], status=Status.REFUNDED, type="payment.refunded")
    assert outcome(timeline_steps(succeeded)).text == "✓ succeeded"
    assert outcome(timeline_steps([*succeeded, (9, refunded)])).text == "↺ refunded"
    assert outcome(timeline_steps(succeeded[:2])).text == "… no outcome yet"
    assert outcome([]).status == Status.UNKNOWN
