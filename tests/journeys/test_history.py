"""History: filter failed payments, open one's timeline with Enter, export with Ctrl+E."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from opsdesk.ui.event_cells import COL_PAYMENT_ID, COL_STATUS
from opsdesk.ui.history.export_dialog import ExportDialog
from opsdesk.ui.history.frozen_rows_note import rows_text
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.history.payment_timeline_dialog import PaymentTimelineDialog
from tests.journeys import history_file
from tests.journeys.conftest import RunningDesk

pytestmark = pytest.mark.broker

CTRL = Qt.KeyboardModifier.ControlModifier
CHECKED_COLUMNS = ("event_id", "payment_id", "type", "status", "error_code", "routing_key")


def filter_failed(desk: RunningDesk, at_least: int) -> HistoryPanel:
    """History tab, Status → failed, until at least `at_least` failed payments are listed."""
    op = desk.operator
    panel = op.open_tab("History")
    assert isinstance(panel, HistoryPanel)
    op.choose_menu_item(panel.filter_bar.status_button, "failed")
    assert panel.model.filter.statuses == ("failed",)
    assert "failed" in panel.filter_bar.status_button.text()
    op.wait_until(
        lambda: panel.model.complete and panel.model.rowCount() >= at_least,
        f"{at_least} failed payments listed",
    )
    return panel


def shown_row_ids(panel: HistoryPanel) -> list[int]:
    return panel.model.row_ids(range(panel.model.rowCount()))


def open_export(desk: RunningDesk, panel: HistoryPanel) -> ExportDialog:
    desk.operator.press(Qt.Key.Key_E, CTRL, widget=panel.table)
    dialog = panel.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.filter_choice.isChecked() and dialog.csv_choice.isChecked()
    return dialog


def export_to(desk: RunningDesk, dialog: ExportDialog, path: Path) -> list[dict[str, str]]:
    op = desk.operator
    op.type_text(dialog.path_edit, str(path))
    args = op.wait_for(
        dialog.export_finished, "the export to finish", lambda: op.click(dialog.export_button)
    )
    assert args[0].path == path and args[0].manifest_path.exists()
    assert f"Exported {args[0].rows:,} rows" in dialog.status.text()
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_filter_failed_payments_open_a_timeline_and_export_them(
    desk: RunningDesk, tmp_path: Path
) -> None:
    op = desk.operator
    panel = filter_failed(desk, at_least=3)
    for row in range(panel.model.rowCount()):
        history_row = panel.model.row_at(row)
        assert history_row is not None and "failed" in history_row.cells[COL_STATUS]

    op.click_row(panel.table, 0)
    first = panel.model.row_at(0)
    assert first is not None
    payment_id = first.cells[COL_PAYMENT_ID]
    op.press(Qt.Key.Key_Return, widget=panel.table)
    dialogs = [d for d in panel.findChildren(PaymentTimelineDialog) if d.isVisible()]
    assert [d.payment_id for d in dialogs] == [payment_id]
    timeline = dialogs[0]
    op.wait_until(lambda: bool(timeline.steps), "the payment's timeline to load")
    stored = history_file.rows(desk.db_path, "payment_id = ?", (payment_id,))
    assert {s.event.event_id for s in timeline.steps} == {r["event_id"] for r in stored}
    assert timeline.steps[-1].event.type == "payment.failed"
    assert timeline.steps[0].event.type == "payment.requested"
    assert "failed" in timeline.outcome_label.text().lower()
    op.press(Qt.Key.Key_Escape, widget=timeline.steps_table)
    op.wait_until(lambda: not timeline.isVisible(), "Esc to close the timeline")
    op.settle()

    shown = shown_row_ids(panel)
    dialog = open_export(desk, panel)
    written = export_to(desk, dialog, tmp_path / "failed.csv")
    by_id = {int(r["id"]): r for r in written}
    assert set(shown) <= set(by_id), "every listed row was exported"
    assert len(by_id) == len(written), "a row exported twice"
    stored_rows = {r["id"]: r for r in history_file.rows(desk.db_path, "status = 'failed'")}
    for row_id, exported in by_id.items():
        assert row_id in stored_rows, f"exported row {row_id} is not a failed event"
        for column in CHECKED_COLUMNS:
            assert exported[column] == (stored_rows[row_id][column] or ""), (row_id, column)


def test_export_writes_exactly_the_rows_listed_when_it_was_asked_for(
    desk: RunningDesk, tmp_path: Path
) -> None:
    """Finding 9 of issue 9: a live list's export wrote more rows than the dialog said."""
    op = desk.operator
    panel = filter_failed(desk, at_least=2)
    op.click_row(panel.table, 0)
    shown = shown_row_ids(panel)
    dialog = open_export(desk, panel)
    op.wait_until(lambda: dialog.frozen_note.frozen is not None, "the dialog to count the rows")
    assert rows_text(len(shown)) in dialog.filter_choice.text()
    assert "newer events are not included" in dialog.frozen_note.text()
    # The operator reads the dialog for a moment; meanwhile more payments fail.
    failed_now = history_file.count(desk.db_path, "status = 'failed'")
    op.wait_until(
        lambda: history_file.count(desk.db_path, "status = 'failed'") > failed_now,
        "another failed payment to be stored",
    )
    written = export_to(desk, dialog, tmp_path / "failed.csv")
    assert sorted(int(r["id"]) for r in written) == sorted(shown)
