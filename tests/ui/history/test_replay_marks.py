"""Replay copies in History: a badge, the originals / replays filter, attempts in the timeline,
and who replayed a copy and why in its details."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.events.replay_headers import REPLAY_ATTEMPT, REPLAY_OF, REPLAY_REASON, REPLAYED_BY
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_filter import EventFilter, ReplayScope
from opsdesk.store.event_store import EventStore
from opsdesk.ui import event_cells
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.history.payment_timeline_dialog import COL_ATTEMPT_OUTCOME
from opsdesk.ui.history.saved_filters import SavedFilter
from tests.ui.history.conftest import START, Lifecycle, event, wait_complete

PAYMENT = Lifecycle.payment_id(0)  # requested, authorized, failed (insufficient_funds)


def _copy(request: PaymentEvent, attempt: int, minutes: int) -> PaymentEvent:
    """A replay copy of `request`, received `minutes` after the start: same body, new id."""
    headers = {
        "schema": "payments/v1",
        REPLAY_OF: request.event_id,
        REPLAY_ATTEMPT: attempt,
        REPLAYED_BY: "alice",
        REPLAY_REASON: "PSP outage over",
    }
    return replace(
        request,
        event_id=f"replay-{attempt}",
        received_at=utc_iso(START + timedelta(minutes=minutes)),
        headers=json.dumps(headers),
        replay_of=request.event_id,
        replay_attempt=attempt,
    )


def _outcome(failed: PaymentEvent, name: str, minutes: int, status: Status) -> PaymentEvent:
    at = utc_iso(START + timedelta(minutes=minutes, seconds=2))
    kind = f"payment.{status.value}"
    error = "card_declined" if status is Status.FAILED else None
    return replace(
        failed,
        event_id=name,
        received_at=at,
        occurred_at=at,
        type=kind,
        routing_key=kind,
        status=status,
        error_code=error,
    )


def _replayed_history(path: Path) -> None:
    """Payment 0 failed, was replayed twice: failed again (card_declined), then succeeded."""
    request, authorized, failed = (event(i) for i in range(3))
    others = [event(i) for i in range(3, 9)]
    with EventStore(path) as store:
        store.insert_batch(
            [
                request,
                authorized,
                failed,
                *others,
                _copy(request, 1, 5),
                _outcome(failed, "outcome-1", 5, Status.FAILED),
                _copy(request, 2, 9),
                _outcome(failed, "outcome-2", 9, Status.SUCCEEDED),
            ]
        )


def _type_cells(panel: HistoryPanel) -> dict[str, str]:
    """Event id -> the type cell's text, for every listed row."""
    model = panel.model
    cells = {}
    for row in range(model.rowCount()):
        event_id = model.index(row, event_cells.COL_EVENT_ID).data()
        cells[event_id] = model.index(row, event_cells.COL_TYPE).data()
    return cells


def test_a_replay_copy_carries_a_badge_and_says_what_it_replays(qtbot, open_panel, tmp_path):
    db = tmp_path / "history.sqlite"
    _replayed_history(db)
    panel = open_panel(db)
    wait_complete(qtbot, panel)
    cells = _type_cells(panel)
    assert cells["replay-1"] == "↻ replay 1 · payment.requested"
    assert cells["replay-2"] == "↻ replay 2 · payment.requested"
    assert cells["evt-00000000"] == "payment.requested"  # the original: no badge
    row = next(r for r in range(panel.model.rowCount()) if panel.model.row_id(r) == 10)
    tip = panel.model.index(row, event_cells.COL_TYPE).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "A copy opsdesk replayed of evt-00000000, not a new message"

    panel.table.selectRow(row)
    qtbot.waitUntil(lambda: panel.details.shown_event is not None)
    assert panel.details.shown_event.event_id == "replay-1"
    summary = panel.details.summary.toPlainText()
    assert "replay of evt-00000000, attempt 1, by alice: PSP outage over" in summary
    original = next(r for r in range(panel.model.rowCount()) if panel.model.row_id(r) == 1)
    panel.table.selectRow(original)
    qtbot.waitUntil(lambda: panel.details.shown_event.event_id == "evt-00000000")
    assert "replay of" not in panel.details.summary.toPlainText()


def test_the_filter_bar_shows_originals_replays_or_both(qtbot, open_panel, tmp_path, ui_settings):
    db = tmp_path / "history.sqlite"
    _replayed_history(db)
    panel = open_panel(db)
    wait_complete(qtbot, panel)
    assert panel.model.rowCount() == 13
    bar = panel.filter_bar
    combo = bar.replays_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Originals and replays",
        "Originals only",
        "Replays only",
    ]

    with qtbot.waitSignal(panel.filter_applied):
        combo.setCurrentIndex(combo.findText("Replays only"))
    wait_complete(qtbot, panel)
    assert set(_type_cells(panel)) == {"replay-1", "replay-2"}
    assert "replay copies only" in panel.summary.description.text()

    with qtbot.waitSignal(panel.filter_applied):
        combo.setCurrentIndex(combo.findText("Originals only"))
    wait_complete(qtbot, panel)
    assert panel.model.rowCount() == 11
    assert not any(text.startswith("↻") for text in _type_cells(panel).values())

    # A saved filter keeps the choice and brings it back.
    saved = bar.saved_filter()
    assert saved.to_dict() == {"filter": {"replays": "originals"}}
    bar.clear()
    assert combo.currentText() == "Originals and replays"
    bar.set_filter(SavedFilter.from_dict(saved.to_dict()).resolved())
    assert combo.currentText() == "Originals only"
    assert bar.current_filter() == EventFilter(replays=ReplayScope.ORIGINALS)


def test_the_timeline_shows_each_attempt_with_its_outcome(qtbot, open_panel, tmp_path):
    db = tmp_path / "history.sqlite"
    _replayed_history(db)
    panel = open_panel(db)
    dialog = panel.open_timeline(PAYMENT)
    qtbot.waitUntil(lambda: dialog.steps_table.rowCount() == 7)
    table = dialog.attempts_table
    assert table.isVisible()
    rows = [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]
    assert [r[0] for r in rows] == ["original", "replay 1", "replay 2"]
    assert [r[COL_ATTEMPT_OUTCOME] for r in rows] == [
        f"✗ failed · {Lifecycle.error(0)}",
        "✗ failed · card_declined",
        "✓ succeeded",
    ]
    assert rows[1][2] == "payment.requested · replay-1"
    assert rows[1][3] == "alice: PSP outage over"
    assert rows[2][5] == "2.0 s"  # from the re-sent request to its outcome
    assert dialog.outcome_label.text() == "✓ succeeded · recovered by replay"
    # A copy is placed when it was re-sent, not at its original's producer time.
    types = [dialog.steps_table.item(r, 3).text() for r in range(7)]
    assert types == [
        "payment.requested",
        "payment.authorized",
        "payment.failed",
        "↻ replay 1 · payment.requested",
        "payment.failed",
        "↻ replay 2 · payment.requested",
        "payment.succeeded",
    ]
    assert "2 replays" in dialog.summary.text()


def test_a_payment_never_replayed_shows_no_attempts_table(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    dialog = panel.open_timeline(PAYMENT)
    qtbot.waitUntil(lambda: dialog.steps_table.rowCount() == 3)
    assert not dialog.attempts_table.isVisible() and dialog.attempts == []
    assert dialog.outcome_label.text() == f"✗ failed · {Lifecycle.error(0)}"
