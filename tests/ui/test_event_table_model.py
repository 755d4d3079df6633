from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush

from opsdesk.events.model import Status
from opsdesk.ui import event_cells
from opsdesk.ui.event_cells import format_timestamp
from opsdesk.ui.event_table_model import EventTableModel
from opsdesk.ui.live_event_view import LiveEventTableView
from tests.ui.sample_events import numbered, payment_event


def _cell(model, row, column, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, column), role)


def _ids(model):
    return [model.event_at(row).event_id for row in range(model.rowCount())]


def test_live_events_appear_after_the_flush_timer_newest_first(qtbot):
    model = EventTableModel(flush_interval_ms=50)
    model.set_events(list(reversed(numbered(1, 3))))
    inserted = []
    model.rowsInserted.connect(lambda parent, first, last: inserted.append((first, last)))

    model.append_live(numbered(4, 6))
    assert model.rowCount() == 3  # buffered, not yet shown
    assert model.pending_count == 3

    qtbot.waitUntil(lambda: model.rowCount() == 6, timeout=2000)
    assert _ids(model) == [f"evt-{n:06d}" for n in (6, 5, 4, 3, 2, 1)]
    assert inserted == [(0, 2)]  # one insertion for the whole batch, at the top
    assert model.pending_count == 0


def test_batches_arriving_between_flushes_are_inserted_together(qtbot):
    model = EventTableModel(flush_interval_ms=100)
    inserted = []
    model.rowsInserted.connect(lambda parent, first, last: inserted.append((first, last)))
    for n in range(1, 11):
        model.append_live([payment_event(n)])
    qtbot.waitUntil(lambda: model.rowCount() == 10, timeout=2000)
    assert inserted == [(0, 9)]
    assert model.event_at(0).event_id == "evt-000010"


def test_row_cap_keeps_the_newest_events():
    model = EventTableModel(row_cap=5_000)
    model.set_events(list(reversed(numbered(1, 2_000))))
    for first in range(2_001, 12_001, 500):
        model.append_live(numbered(first, first + 499))
        model.flush()
    assert model.rowCount() == 5_000
    assert model.event_at(0).event_id == "evt-012000"
    assert model.event_at(4_999).event_id == "evt-007001"


def test_one_huge_burst_is_capped_before_it_is_shown(qtbot):
    model = EventTableModel(row_cap=5_000, flush_interval_ms=10)
    model.set_events(list(reversed(numbered(1, 100))))
    model.append_live(numbered(101, 12_100))
    assert model.pending_count == 5_000
    qtbot.waitUntil(lambda: model.pending_count == 0, timeout=2000)
    assert model.rowCount() == 5_000
    assert model.event_at(0).event_id == "evt-012100"
    assert model.event_at(4_999).event_id == "evt-007101"


def test_rows_are_formatted_when_a_view_shows_them_not_when_added(qtbot, monkeypatch):
    """At the tap's full rate a flush adds over a thousand rows; formatting them all on the
    UI thread stalled the window 40-120 ms per flush (benchmarks/ui_stall.py)."""
    formatted = []
    real_type_text = event_cells.type_text  # called once per row formatted

    def counting_type_text(*args):
        formatted.append(args)
        return real_type_text(*args)

    monkeypatch.setattr(event_cells, "type_text", counting_type_text)
    model = EventTableModel(row_cap=5_000)
    model.set_events(list(reversed(numbered(1, 2_000))))
    model.append_live(numbered(2_001, 7_000))
    model.flush()
    assert model.rowCount() == 5_000
    assert formatted == []

    view = LiveEventTableView(model)
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: len(formatted) > 0)
    shown = len(formatted)
    assert shown < 100  # the rows in view (and a few around), not the 5,000 held
    assert _cell(model, 0, event_cells.COL_TYPE) == "payment.captured"
    assert len(formatted) == shown  # formatted once, kept


def test_set_events_respects_the_cap():
    model = EventTableModel(row_cap=10)
    model.set_events(list(reversed(numbered(1, 50))))
    assert model.rowCount() == 10
    assert model.event_at(0).event_id == "evt-000050"


def test_cells_show_formatted_values():
    event = payment_event(
        7,
        amount_minor=500,
        currency="JPY",
        status=Status.FAILED,
        error_code="card_declined",
        received_at="2026-03-02T09:30:01.5+00:00",
    )
    model = EventTableModel()
    model.set_events([event])
    assert _cell(model, 0, event_cells.COL_AMOUNT) == "500 JPY"
    assert _cell(model, 0, event_cells.COL_RECEIVED) == "03-02 09:30:01.500"
    assert _cell(model, 0, event_cells.COL_RECEIVED, Qt.ItemDataRole.ToolTipRole) == (
        "2026-03-02T09:30:01.5+00:00"
    )
    assert _cell(model, 0, event_cells.COL_STATUS) == "✗ failed"
    assert _cell(model, 0, event_cells.COL_ERROR) == "card_declined"
    assert _cell(model, 0, event_cells.COL_PAYMENT_ID) == "pay_000007"
    assert _cell(model, 0, event_cells.COL_ROUTING_KEY) == "payment.captured"
    assert model.headerData(event_cells.COL_AMOUNT, Qt.Orientation.Horizontal) == "Amount"
    assert model.columnCount() == len(EventTableModel.HEADERS)
    assert model.rowCount(model.index(0, 0)) == 0  # a table, not a tree


def test_status_cells_are_coloured_with_readable_pairs():
    model = EventTableModel()
    model.set_events(
        [payment_event(1, status=Status.FAILED), payment_event(2, status=Status.SUCCEEDED)]
    )
    failed_bg = _cell(model, 0, event_cells.COL_STATUS, Qt.ItemDataRole.BackgroundRole)
    failed_fg = _cell(model, 0, event_cells.COL_STATUS, Qt.ItemDataRole.ForegroundRole)
    ok_bg = _cell(model, 1, event_cells.COL_STATUS, Qt.ItemDataRole.BackgroundRole)
    assert isinstance(failed_bg, QBrush)
    assert failed_bg.color().red() > failed_bg.color().green()  # red-ish
    assert ok_bg.color().green() > ok_bg.color().red()  # green-ish
    # Dark text on a light tint: a clear lightness gap keeps it readable.
    assert failed_bg.color().lightness() - failed_fg.color().lightness() > 100
    # Other columns keep the view's palette.
    assert _cell(model, 0, event_cells.COL_TYPE, Qt.ItemDataRole.BackgroundRole) is None


def test_decode_errors_are_flagged():
    event = replace(payment_event(3), decode_error="body is not valid UTF-8", format="raw")
    model = EventTableModel()
    model.set_events([event])
    text = _cell(model, 0, event_cells.COL_ERROR)
    assert "⚠" in text and "body is not valid UTF-8" in text
    assert _cell(model, 0, event_cells.COL_ERROR, Qt.ItemDataRole.BackgroundRole) is not None
    tooltip = _cell(model, 0, event_cells.COL_ERROR, Qt.ItemDataRole.ToolTipRole)
    assert "not valid UTF-8" in tooltip
    # The type column, always in view, carries the flag too.
    assert _cell(model, 0, event_cells.COL_TYPE) == "⚠ payment.captured"
    assert _cell(model, 0, event_cells.COL_TYPE, Qt.ItemDataRole.BackgroundRole) is not None
    model.set_events([replace(event, type=None)])
    assert _cell(model, 0, event_cells.COL_TYPE) == "⚠ not decoded"


def test_amounts_are_right_aligned():
    model = EventTableModel()
    model.set_events([payment_event(1)])
    alignment = _cell(model, 0, event_cells.COL_AMOUNT, Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & int(Qt.AlignmentFlag.AlignRight)


def test_missing_values_show_as_empty_cells():
    event = payment_event(
        1, occurred_at=None, type=None, payment_id=None, merchant=None, amount_minor=None
    )
    model = EventTableModel()
    model.set_events([event])
    for column in (
        event_cells.COL_OCCURRED,
        event_cells.COL_TYPE,
        event_cells.COL_PAYMENT_ID,
        event_cells.COL_MERCHANT,
        event_cells.COL_AMOUNT,
    ):
        assert _cell(model, 0, column) == ""
    assert model.data(QModelIndex()) is None
    assert model.event_at(1) is None


def test_todays_times_are_shown_without_the_date():
    now = datetime.now(UTC)
    event = payment_event(1, received_at=now.isoformat(), occurred_at="not a time")
    model = EventTableModel()
    model.set_events([event])
    assert _cell(model, 0, event_cells.COL_RECEIVED) == now.strftime("%H:%M:%S.%f")[:-3]
    assert _cell(model, 0, event_cells.COL_OCCURRED) == "not a time"


def test_timestamps_in_utc_and_unparseable_ones_as_given():
    assert format_timestamp("2026-03-02T10:30:00+01:00") == "2026-03-02 09:30:00.000"
    assert format_timestamp("yesterday") == "yesterday"
    assert format_timestamp(None) == ""
