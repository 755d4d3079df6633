"""The export dialog over a real history: it writes file and manifest, and can be cancelled."""

from __future__ import annotations

import csv
import json
import re

from PySide6.QtCore import Qt

from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_store import EventStore
from opsdesk.store.export_manifest import manifest_path
from opsdesk.ui.history.export_dialog import ExportDialog
from tests.ui.history.conftest import Lifecycle, event, wait_complete


def test_export_of_the_filtered_rows_writes_csv_and_manifest(
    qtbot, open_panel, small_history, tmp_path
):
    panel = open_panel(small_history)
    panel.filter_bar.merchant_edit.setText("acme-travel")
    panel.filter_bar.apply_now()
    wait_complete(qtbot, panel)
    count = panel.model.rowCount()
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = panel.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.filter_choice.isChecked()
    qtbot.waitUntil(lambda: f"All {count:,} rows" in dialog.filter_choice.text())
    out = tmp_path / "acme.csv"
    dialog.path_edit.setText(str(out))

    with qtbot.waitSignal(dialog.export_finished, timeout=20_000) as finished:
        assert dialog.start_export()
    result = finished.args[0]
    assert result.rows == count
    with out.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == count and {r["merchant"] for r in rows} == {"acme-travel"}
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    assert manifest["rows"] == count and manifest["operator"] == "tester"
    assert manifest["filter"] == {"merchants": ["acme-travel"], "up_to_id": 3_000}
    assert str(out) in dialog.status.text() and "Manifest" in dialog.status.text()
    assert not dialog.running


def test_export_of_the_selection_as_json_lines(qtbot, open_panel, small_history, tmp_path):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    panel.table.selectRow(3)
    panel.table.selectionModel().select(
        panel.model.index(7, 0),
        panel.table.selectionModel().SelectionFlag.Select
        | panel.table.selectionModel().SelectionFlag.Rows,
    )
    dialog = panel.open_export(selection_only=True)
    assert dialog.selection_choice.isChecked()
    dialog.jsonl_choice.setChecked(True)
    assert dialog.path_edit.text().endswith(".jsonl")
    out = tmp_path / "picked.jsonl"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.export_finished, timeout=20_000):
        dialog.start_export()
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [panel.model.row_id(3), panel.model.row_id(7)]


def test_a_payment_timeline_exports_its_events(qtbot, open_panel, small_history, tmp_path):
    panel = open_panel(small_history)
    timeline = panel.open_timeline(Lifecycle.payment_id(5))
    qtbot.waitUntil(lambda: timeline.steps_table.rowCount() == 3)
    timeline.export_button.click()
    dialog = panel.findChild(ExportDialog)
    assert dialog.payment_choice.isChecked()
    dialog.path_edit.setText(str(tmp_path / "pay.csv"))
    with qtbot.waitSignal(dialog.export_finished, timeout=20_000) as finished:
        dialog.start_export()
    assert finished.args[0].rows == 3


def test_an_existing_file_is_replaced_only_when_confirmed(qtbot, small_history, tmp_path):
    out = tmp_path / "keep.csv"
    out.write_text("precious\n", encoding="utf-8")
    dialog = ExportDialog(small_history, event_filter=EventFilter(), operator="tester")
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(out))
    assert not dialog.start_export()
    assert "already exists" in dialog.status.text()
    assert out.read_text(encoding="utf-8") == "precious\n"
    assert dialog.export_button.text() == "Replace"
    with qtbot.waitSignal(dialog.export_finished, timeout=20_000):
        assert dialog.start_export()
    assert out.read_text(encoding="utf-8").startswith("id,")


def test_cancel_stops_the_export_and_leaves_no_file(qtbot, big_history, tmp_path):
    out = tmp_path / "everything.jsonl"
    dialog = ExportDialog(big_history, event_filter=EventFilter(), operator="tester")
    qtbot.addWidget(dialog)
    dialog.jsonl_choice.setChecked(True)
    dialog.raw_check.setChecked(True)  # bodies too: slow enough to cancel midway
    dialog.path_edit.setText(str(out))
    dialog.progress.valueChanged.connect(lambda value: value > 0 and dialog.cancel_button.click())

    dialog.start_export()
    assert dialog.running
    # The outcome, not the thread's end: its signal reaches the dialog after the thread ends.
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=30_000)

    assert not dialog.running
    assert dialog.status.text() == "Export cancelled; no file was written."
    assert dialog.export_result is None
    assert not out.exists() and not manifest_path(out).exists()
    assert list(tmp_path.glob(".everything*")) == []  # no partial temp file either
    assert dialog.export_button.isEnabled()


def test_closing_the_dialog_cancels_a_running_export(qtbot, big_history, tmp_path):
    out = tmp_path / "closed.csv"
    dialog = ExportDialog(big_history, event_filter=EventFilter(), operator="tester")
    qtbot.addWidget(dialog)
    dialog.raw_check.setChecked(True)
    dialog.path_edit.setText(str(out))
    dialog.show()
    dialog.start_export()
    assert dialog.running
    dialog.close()  # waits for the worker to see the cancel
    assert not out.exists()
    qtbot.waitUntil(lambda: "cancelled" in dialog.status.text())


def test_a_live_list_is_exported_as_it_stood_at_the_click(
    qtbot, open_panel, small_history, tmp_path
):
    """Finding 9: the dialog's count differed from the rows written while events arrived."""
    panel = open_panel(small_history, live_interval_ms=100)
    panel.filter_bar.merchant_edit.setText("acme-travel")
    panel.filter_bar.apply_now()
    wait_complete(qtbot, panel)
    at_click = panel.model.rowCount()
    dialog = panel.open_export()
    qtbot.waitUntil(lambda: re.search(r"All [\d,]+ rows", dialog.filter_choice.text()) is not None)
    shown = int(re.search(r"All ([\d,]+) rows", dialog.filter_choice.text())[1].replace(",", ""))

    # Payments 1001 and 1006 are acme-travel's: six more matching events while the dialog is open.
    with EventStore(small_history) as store:
        store.insert_batch([event(i) for i in range(3_000, 3_030)])
    qtbot.waitUntil(lambda: panel.model.rowCount() == at_click + 6)  # the list is live

    dialog.path_edit.setText(str(tmp_path / "frozen.csv"))
    with qtbot.waitSignal(dialog.export_finished, timeout=20_000) as finished:
        assert dialog.start_export()
    assert finished.args[0].rows == shown == at_click
    with (tmp_path / "frozen.csv").open(encoding="utf-8", newline="") as stream:
        assert len(list(csv.DictReader(stream))) == at_click
    note = dialog.frozen_note.text()
    assert f"({at_click:,} rows); newer events are not included." in note
    assert re.match(r"Events up to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(", note)  # stored 2026
