"""The audit panel over a real history file: newest first, filters, verify, tampering, CSV."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from opsdesk.store.audit import AuditLog
from opsdesk.ui.operations.audit_panel import AuditPanel
from opsdesk.ui.operations.audit_table_model import COL_ACTION, COL_ID, COL_OUTCOME, COL_SOURCE
from tests.ui.operations.conftest import WAIT_MS


def _fill(path: Path) -> None:
    with AuditLog(path) as audit:
        audit.record(
            "move",
            operator="ana",
            source="orders",
            destination="queue 'parked'",
            message_ids=["m-1", "m-2"],
            outcome="ok",
        )
        audit.record("purge", operator="ben", source='=HYPERLINK("x")', outcome="ok", count=7)
        audit.record(
            "replay",
            operator="ana",
            source="history",
            message_ids=["evt-1"],
            outcome="refused",
            detail={"reason": "PSP outage"},
        )


def _tamper(path: Path, statement: str) -> None:
    """What someone with the sqlite3 shell can do: drop the guards, then edit."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    conn.execute(statement)
    conn.commit()
    conn.close()


def _column(panel: AuditPanel, column: int) -> list[str]:
    return [panel.model.index(r, column).data() for r in range(panel.model.rowCount())]


def _panel(qtbot, db_path: Path) -> AuditPanel:
    panel = AuditPanel(db_path, operator="tester")
    qtbot.addWidget(panel)
    return panel


def _refresh(qtbot, panel: AuditPanel) -> None:
    with qtbot.waitSignal(panel.records_shown, timeout=WAIT_MS):
        panel.refresh()


def test_lists_newest_first_filters_and_shows_details(qtbot, db_path: Path) -> None:
    _fill(db_path)
    panel = _panel(qtbot, db_path)
    try:
        _refresh(qtbot, panel)
        assert _column(panel, COL_ID) == ["3", "2", "1"]
        assert _column(panel, COL_ACTION) == ["replay", "purge", "move"]
        assert _column(panel, COL_OUTCOME)[0] == "refused"
        panel.table.selectRow(2)
        details = panel.details.toPlainText()
        assert "m-1\nm-2" in details and "queue 'parked'" in details
        with qtbot.waitSignal(panel.records_shown, timeout=WAIT_MS):
            panel.action_box.setCurrentIndex(panel.action_box.findData("purge"))
        assert _column(panel, COL_ID) == ["2"]
        with qtbot.waitSignal(panel.records_shown, timeout=WAIT_MS):
            panel.action_box.setCurrentIndex(0)
        with qtbot.waitSignal(panel.records_shown, timeout=WAIT_MS):
            panel.since_check.setChecked(True)  # a week ago: all three are newer
        assert panel.model.rowCount() == 3
    finally:
        panel.shutdown()


def test_verify_reports_ok_then_the_first_tampered_record(qtbot, db_path: Path) -> None:
    _fill(db_path)
    panel = _panel(qtbot, db_path)
    try:
        _refresh(qtbot, panel)
        with qtbot.waitSignal(panel.verified, timeout=WAIT_MS) as good:
            panel.verify_button.click()
        assert good.args[0].ok and good.args[0].checked == 3
        assert "Chain OK: 3 record(s)" in panel.verify_label.text()

        _tamper(db_path, "UPDATE audit_log SET operator = 'mallory' WHERE id = 2")
        _refresh(qtbot, panel)
        with qtbot.waitSignal(panel.verified, timeout=WAIT_MS) as bad:
            panel.verify_button.click()
        assert not bad.args[0].ok and bad.args[0].first_bad_id == 2
        assert "record #2" in panel.verify_label.text()
        assert "changed after it was written" in panel.verify_label.text()
        assert panel.table.currentIndex().row() == panel.model.row_of(2)
    finally:
        panel.shutdown()


def test_export_writes_the_shown_records_formula_safe_and_is_audited(
    qtbot, db_path: Path, tmp_path: Path
) -> None:
    _fill(db_path)
    panel = _panel(qtbot, db_path)
    out = tmp_path / "audit.csv"
    try:
        _refresh(qtbot, panel)
        with qtbot.waitSignal(panel.exported, timeout=WAIT_MS):
            panel.export_csv(out)
        with out.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        assert [r["id"] for r in rows] == ["3", "2", "1"]
        assert rows[1]["source"] == '\'=HYPERLINK("x")'  # shown, never evaluated
        assert rows[2]["message_ids"] == "m-1 m-2"
        qtbot.waitUntil(lambda: _column(panel, COL_ID)[:1] == ["4"], timeout=WAIT_MS)
        assert _column(panel, COL_ACTION)[0] == "export"
        assert _column(panel, COL_SOURCE)[0] == "audit_log"
    finally:
        panel.shutdown()


def test_a_missing_history_file_is_a_message_not_a_crash(qtbot, tmp_path: Path) -> None:
    panel = _panel(qtbot, tmp_path / "none.sqlite")
    try:
        panel.refresh()
        qtbot.waitUntil(lambda: not panel.banner.isHidden(), timeout=WAIT_MS)
        assert "could not be read" in panel.banner.text()
    finally:
        panel.shutdown()
