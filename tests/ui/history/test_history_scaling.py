"""A 200k-row result: rows are read by page into a bounded cache, whatever is scrolled to."""

from __future__ import annotations

import tracemalloc

from PySide6.QtWidgets import QAbstractItemView

from opsdesk.ui import event_cells
from tests.ui.history.conftest import BIG_HISTORY, Lifecycle, event, wait_complete


def _shown_rows(table):
    top = table.rowAt(0)
    bottom = table.rowAt(table.viewport().height() - 1)
    return range(top, (bottom if bottom >= 0 else table.model().rowCount() - 1) + 1)


def test_scrolling_200k_rows_keeps_the_cache_bounded(qtbot, open_panel, big_history):
    panel = open_panel(big_history)
    wait_complete(qtbot, panel, timeout=30_000)
    model, table = panel.model, panel.table
    assert model.rowCount() == BIG_HISTORY
    assert panel.summary.count_label.text() == "200,000 events"

    tracemalloc.start()
    try:
        positions = [0, 50_000, 199_950, 123_457, 7, 99_999, 180_000, 33_333, 150_001, 64_000]
        for lap in range(3):
            for position in positions:
                row = (position + lap * 4_321) % BIG_HISTORY
                table.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
                table.viewport().repaint()  # paints now: data() for exactly the visible rows
                shown = _shown_rows(table)
                assert row in shown
                assert model.cached_row_count <= model.cache_cap
                for r in (shown[0], shown[-1]):
                    i = BIG_HISTORY - 1 - r  # newest first: row r shows event number 199999 - r
                    cells = model.row_at(r).cells
                    assert cells[event_cells.COL_PAYMENT_ID] == Lifecycle.payment_id(i // 3)
                    assert cells[event_cells.COL_TYPE] == event(i).type
            if lap == 0:
                baseline = tracemalloc.get_traced_memory()[0]
        grown = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    # Two more laps over 20 far-apart places read ~20 pages each, yet memory stays put.
    assert grown < 2_000_000, grown
    print(
        f"\npage reads on the UI thread: {panel.pages.lookups}, "
        f"slowest {panel.pages.max_ms:.2f} ms, last {panel.pages.last_ms:.2f} ms"
    )
    assert model.cached_row_count <= model.cache_cap


def test_a_filter_over_200k_rows_shows_a_first_page_before_the_count(
    qtbot, open_panel, big_history
):
    panel = open_panel(big_history)
    wait_complete(qtbot, panel, timeout=30_000)
    counts = []
    panel.model.count_changed.connect(lambda n, complete: counts.append((n, complete)))
    panel.filter_bar.currency_edit.setText("EUR")
    panel.filter_bar.apply_now()
    wait_complete(qtbot, panel, timeout=30_000)
    expected = sum(1 for i in range(BIG_HISTORY) if Lifecycle.currency(i // 3) == "EUR")
    assert counts[0] == (1_000, False)  # the first page, while the ids are still read
    assert counts[-1] == (expected, True)
    assert panel.model.row_at(0).cells[event_cells.COL_AMOUNT].endswith("EUR")
