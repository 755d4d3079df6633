"""AlertHistoryModel: one row per alert, firing ones marked, bounded."""

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from opsdesk.store.alert_log import AlertRecord
from opsdesk.ui.alerts.alert_history_model import FIRING, UNSEEN, AlertHistoryModel

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def record(n, ended=True, **more):
    return AlertRecord(
        id=n,
        rule=f"rule {n}",
        kind="queue_depth",
        subject="orders",
        started_at="2026-03-02T09:30:00.000Z",
        ended_at="2026-03-02T09:42:30.000Z" if ended else None,
        value=1204.0,
        threshold=1000.0,
        message="orders: 1,204 messages ready",
        **more,
    )


def text(model, row, column):
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


def test_rows_show_start_end_duration_and_values(qtbot):
    model = AlertHistoryModel()
    model.set_records([record(2, ended=False), record(1)], NOW)
    assert model.rowCount() == 2 and model.columnCount() == len(AlertHistoryModel.HEADERS)
    assert text(model, 0, AlertHistoryModel.COL_ENDED) == FIRING
    assert text(model, 0, AlertHistoryModel.COL_DURATION) == "30m 00s"  # still firing at NOW
    assert text(model, 1, AlertHistoryModel.COL_STARTED) == "2026-03-02 09:30:00.000"
    assert text(model, 1, AlertHistoryModel.COL_ENDED) == "2026-03-02 09:42:30.000"
    assert text(model, 1, AlertHistoryModel.COL_DURATION) == "12m 30s"
    assert text(model, 1, AlertHistoryModel.COL_VALUE) == "1,204"
    assert text(model, 1, AlertHistoryModel.COL_THRESHOLD) == "1,000"
    assert model.firing_count() == 1
    firing_font = model.data(model.index(0, AlertHistoryModel.COL_ENDED), Qt.ItemDataRole.FontRole)
    assert firing_font.bold()


def test_the_model_keeps_at_most_row_cap_rows(qtbot):
    model = AlertHistoryModel(row_cap=3)
    model.set_records([record(n) for n in range(10, 0, -1)], NOW)
    assert model.rowCount() == 3
    assert model.record_at(0).id == 10 and model.record_at(3) is None


def tip(model, row, column):
    return model.data(model.index(row, column), Qt.ItemDataRole.ToolTipRole)


def test_an_end_nobody_saw_is_not_shown_as_when_the_condition_cleared(qtbot):
    model = AlertHistoryModel()
    rows = [
        record(4, ended=False, last_seen_at="2026-03-02T09:59:30.000Z"),  # seen 30 s ago
        record(3, ended=False, last_seen_at="2026-03-02T09:35:00.000Z"),  # left by a closed desk
        record(2, last_seen_at="2026-03-02T09:35:00.000Z", end_reason="unwatched"),
        record(1, last_seen_at="2026-03-02T09:40:00.000Z", end_reason="rule_changed"),
    ]
    model.set_records(rows, NOW)
    assert text(model, 0, AlertHistoryModel.COL_ENDED) == FIRING
    assert text(model, 1, AlertHistoryModel.COL_ENDED) == f"{UNSEEN} 2026-03-02 09:35:00.000"
    assert text(model, 1, AlertHistoryModel.COL_DURATION) == "≥ 5m 00s"
    assert "not judged since" in tip(model, 1, AlertHistoryModel.COL_ENDED)
    assert (model.firing_count(), model.unseen_count()) == (1, 1)
    assert text(model, 2, AlertHistoryModel.COL_ENDED) == (
        "≤ 2026-03-02 09:42:30.000 (cleared unwatched)"
    )
    assert text(model, 2, AlertHistoryModel.COL_DURATION) == "5m 00s to 12m 30s"
    assert "after 2026-03-02 09:35:00.000 and at the latest 2026-03-02 09:42:30.000" in tip(
        model, 2, AlertHistoryModel.COL_ENDED
    )
    assert text(model, 3, AlertHistoryModel.COL_ENDED) == "2026-03-02 09:42:30.000 (rule changed)"
    assert text(model, 3, AlertHistoryModel.COL_DURATION) == "12m 30s"


def test_a_success_rate_reads_as_a_percentage(qtbot):
    model = AlertHistoryModel()
    rate = AlertRecord(7, "rate", "success_rate", "overall", "2026-03-02T09:30:00.000Z", None,
                       81.5384, 99.5, "success rate 81.5% ...")  # fmt: skip
    model.set_records([rate], NOW)
    assert text(model, 0, AlertHistoryModel.COL_VALUE) == "81.54 %"
    assert text(model, 0, AlertHistoryModel.COL_THRESHOLD) == "99.5 %"
