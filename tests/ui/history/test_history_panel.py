"""The panel over real history files: filters narrow the table, live rows, shortcuts."""

from __future__ import annotations

from PySide6.QtCore import Qt

from opsdesk.events.model import Status
from opsdesk.store.event_store import EventStore
from opsdesk.ui import event_cells
from tests.ui.history.conftest import Lifecycle, event, wait_complete


def _column(panel, column, rows):
    model = panel.model
    return [model.data(model.index(r, column)) for r in rows]


def test_typing_a_merchant_narrows_the_table_and_the_count(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    assert panel.model.rowCount() == 3_000
    assert panel.summary.count_label.text() == "3,000 events"
    applied = []
    panel.filter_applied.connect(applied.append)

    qtbot.keyClicks(panel.filter_bar.merchant_edit, "acme-travel")

    expected = sum(1 for i in range(3_000) if Lifecycle.merchant(i // 3) == "acme-travel")
    qtbot.waitUntil(lambda: panel.model.complete and panel.model.rowCount() == expected)
    assert panel.summary.count_label.text() == f"{expected:,} events"
    assert set(_column(panel, event_cells.COL_MERCHANT, range(expected))) == {"acme-travel"}
    assert len(applied) == 1  # debounced: one query for the whole word, not one per key
    assert 'merchant "acme-travel"' in panel.summary.description.text()


def test_filters_combine_status_text_and_amount(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    bar = panel.filter_bar
    bar._status_actions[Status.FAILED].setChecked(True)  # as a click in the status menu does
    bar.currency_edit.setText("EUR")
    bar.amount_min_edit.setText("100.00")
    bar.text_edit.setText("golf")
    bar.apply_now()

    def expected(k: int) -> bool:
        return (
            Lifecycle.failed(k)
            and Lifecycle.currency(k) == "EUR"
            and Lifecycle.amount(k) >= 10_000
            and k % 4 == 0
        )

    want = sum(1 for k in range(1_000) if expected(k))  # one failed event per such payment
    assert want > 0
    qtbot.waitUntil(lambda: panel.model.complete and panel.model.rowCount() == want)
    assert set(_column(panel, event_cells.COL_STATUS, range(want))) == {"✗ failed"}
    text = panel.summary.description.text()
    assert 'status "failed"' in text and "amount ≥ 10000" in text and 'text "golf"' in text


def test_an_amount_without_a_currency_is_flagged_and_not_applied(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    applied = []
    panel.filter_bar.filter_changed.connect(applied.append)
    panel.filter_bar.amount_min_edit.setText("12.50")
    panel.filter_bar.apply_now()
    assert applied == []
    assert panel.summary.problem.isVisible()
    assert "currency" in panel.summary.problem.text()
    assert panel.model.rowCount() == 3_000  # the table keeps the last valid filter

    panel.filter_bar.currency_edit.setText("JPY")
    panel.filter_bar.apply_now()  # JPY has no decimals: 12.50 is not a JPY amount
    assert applied == [] and "JPY" in panel.summary.problem.text()

    panel.filter_bar.amount_min_edit.setText("12")
    panel.filter_bar.apply_now()
    assert len(applied) == 1 and applied[0].amount_min == 12 and applied[0].currencies == ("JPY",)
    assert not panel.summary.problem.isVisible()


def test_sorting_by_amount_orders_the_rows(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    panel.filter_bar.currency_edit.setText("EUR")
    panel.filter_bar.apply_now()
    wait_complete(qtbot, panel)
    header = panel.table.horizontalHeader()
    header.setSortIndicator(event_cells.COL_AMOUNT, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: panel.model.complete and panel.model.sort_key == "amount_minor")
    amounts = [panel.model.row_at(r).amount_minor for r in range(panel.model.rowCount())]
    assert amounts == sorted(amounts)
    assert amounts[0] == min(
        Lifecycle.amount(k) for k in range(1_000) if Lifecycle.currency(k) == "EUR"
    )

    header.setSortIndicator(event_cells.COL_AMOUNT, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: panel.model.complete and panel.model.descending)
    amounts = [panel.model.row_at(r).amount_minor for r in range(200)]
    assert amounts == sorted(amounts, reverse=True)


def test_an_unsortable_column_keeps_the_current_sort(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    header = panel.table.horizontalHeader()
    header.setSortIndicator(event_cells.COL_ERROR, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == event_cells.COL_RECEIVED
    assert panel.model.sort_key == "received_at" and panel.model.descending


def test_live_events_appear_at_the_top_without_moving_the_selection(
    qtbot, open_panel, small_history
):
    panel = open_panel(small_history, live_interval_ms=60_000)  # polled by hand below
    wait_complete(qtbot, panel)
    table = panel.table
    table.scrollTo(panel.model.index(400, 0), table.ScrollHint.PositionAtTop)
    table.selectRow(410)
    selected_id = table.current_row_id()
    top_row = table.rowAt(0)
    top_id = panel.model.row_id(top_row)
    top_y = table.rowViewportPosition(top_row)

    with EventStore(small_history) as store:
        store.insert_batch([event(i) for i in range(3_000, 3_030)])
    panel.model.poll_newer()

    qtbot.waitUntil(lambda: panel.model.rowCount() == 3_030)
    assert panel.model.row_id(0) == 3_030  # newest on top
    assert table.current_row_id() == selected_id
    assert table.selectionModel().selectedRows()[0].row() == 440
    new_top = table.rowAt(0)
    assert panel.model.row_id(new_top) == top_id  # the same rows stay in view
    assert table.rowViewportPosition(new_top) == top_y
    assert panel.summary.count_label.text() == "3,030 events"


def test_live_events_that_do_not_match_are_not_added(qtbot, open_panel, small_history):
    panel = open_panel(small_history, live_interval_ms=50)
    panel.filter_bar.merchant_edit.setText("no-such-merchant")
    panel.filter_bar.apply_now()
    wait_complete(qtbot, panel)
    assert panel.model.rowCount() == 0
    panel.filter_bar.merchant_edit.setText(Lifecycle.merchant(1_000))
    panel.filter_bar.apply_now()
    wait_complete(qtbot, panel)
    before = panel.model.rowCount()
    with EventStore(small_history) as store:
        store.insert_batch([event(i) for i in range(3_000, 3_015)])  # payments 1000..1004
    qtbot.waitUntil(lambda: panel.model.rowCount() == before + 3)
    assert {panel.model.row_at(r).cells[event_cells.COL_MERCHANT] for r in range(3)} == {
        Lifecycle.merchant(1_000)
    }


def test_sorted_by_amount_new_events_wait_for_a_refresh(qtbot, open_panel, small_history):
    panel = open_panel(small_history, live_interval_ms=60_000)
    wait_complete(qtbot, panel)
    panel.table.horizontalHeader().setSortIndicator(
        event_cells.COL_AMOUNT, Qt.SortOrder.AscendingOrder
    )
    qtbot.waitUntil(lambda: panel.model.complete and panel.model.sort_key == "amount_minor")
    with EventStore(small_history) as store:
        store.insert_batch([event(i) for i in range(3_000, 3_006)])
    panel.model.poll_newer()
    qtbot.waitUntil(lambda: panel.summary.newer_button.isVisible())
    assert panel.model.rowCount() == 3_000
    assert panel.summary.newer_button.text().startswith("6 newer")
    panel.summary.newer_button.click()
    qtbot.waitUntil(lambda: panel.model.complete and panel.model.rowCount() == 3_006)
    assert not panel.summary.newer_button.isVisible()


def test_no_history_file_yet_shows_a_message_and_recovers(qtbot, open_panel, tmp_path):
    db = tmp_path / "later.sqlite"
    panel = open_panel(db, live_interval_ms=100)
    qtbot.waitUntil(lambda: panel.banner.isVisible())
    assert "could not be read" in panel.banner.text()
    with EventStore(db) as store:
        store.insert_batch([event(i) for i in range(6)])
    qtbot.waitUntil(lambda: panel.model.complete and panel.model.rowCount() == 6)
    assert not panel.banner.isVisible()


def test_selecting_a_row_shows_the_whole_event(qtbot, open_panel, small_history):
    panel = open_panel(small_history)
    wait_complete(qtbot, panel)
    panel.table.selectRow(5)
    shown = panel.details.shown_event
    assert shown is not None and shown.event_id == event(3_000 - 6).event_id
    assert '"note"' in panel.details.text()  # the body, not just the table's columns


def test_text_search_says_when_the_newest_bodies_are_not_searchable_yet(
    qtbot, open_panel, small_history
):
    with EventStore(small_history) as store:  # stored after the index caught up
        store.insert_batch([event(i) for i in range(3_000, 3_012)])
    panel = open_panel(small_history)
    panel.filter_bar.text_edit.setText("golf")
    panel.filter_bar.apply_now()
    qtbot.waitUntil(lambda: "not searchable yet" in panel.summary.description.text())
    assert "the newest 12 events" in panel.summary.description.text()


def test_a_hidden_panel_does_not_poll(qtbot, open_panel, small_history):
    panel = open_panel(small_history, live_interval_ms=50)
    wait_complete(qtbot, panel)
    assert panel.model.live
    panel.hide()
    assert not panel.model.live
    with EventStore(small_history) as store:
        store.insert_batch([event(i) for i in range(3_000, 3_003)])
    panel.show()
    assert panel.model.live
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3_003)
    panel.live_check.setChecked(False)
    assert not panel.model.live
