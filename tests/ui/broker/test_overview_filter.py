"""Filtering the overview by name: a substring in any case, or a regular expression; a bad
expression is said plainly and leaves the previous filter in place."""

from __future__ import annotations

from opsdesk.ui.broker.depth_history import DepthHistory
from opsdesk.ui.broker.queue_overview_view import QueueOverviewView
from tests.ui.broker.synthetic_queues import later, synthetic_overview


def _names(view):
    return [view.model.row_at(r).name for r in range(view.model.rowCount())]


def test_a_substring_in_any_case_then_a_regex_then_a_bad_one(qtbot):
    view = QueueOverviewView(DepthHistory(), late_after=60)
    qtbot.addWidget(view)
    view.show()
    view.show_overview(synthetic_overview(200))
    assert view.count_label.text() == "200 queues"

    qtbot.keyClicks(view.filter_edit, "REFUNDS")
    refunds = _names(view)
    assert refunds and all(".refunds" in name for name in refunds)
    assert view.count_label.text() == f"{len(refunds)} of 200 queues"
    assert view.filter_note.isHidden()

    view.filter_edit.clear()
    view.regex_box.setChecked(True)
    qtbot.keyClicks(view.filter_edit, r"^queue-001\d\d\.")
    matched = _names(view)
    assert [name[:11] for name in matched] == [f"queue-001{n:02d}" for n in range(100)]

    qtbot.keyClicks(view.filter_edit, "(")  # unbalanced: not a regular expression
    assert view.filter_note.isVisible()
    assert view.filter_note.text().startswith("Not a regular expression (missing ), unterminated")
    assert view.filter_note.text().endswith("the previous filter still applies.")
    assert _names(view) == matched

    qtbot.keyClicks(view.filter_edit, ")")
    assert view.filter_note.isHidden()


def test_the_chosen_queue_stays_chosen_across_refreshes(qtbot):
    view = QueueOverviewView(DepthHistory(), late_after=60)
    qtbot.addWidget(view)
    view.show()
    overview = synthetic_overview(100)
    view.show_overview(overview)
    chosen = overview.rows[42].name
    with qtbot.waitSignal(view.queue_chosen) as signal:
        assert view.choose(chosen)
    assert signal.args == [chosen]
    changes = []
    view.queue_chosen.connect(changes.append)
    view.show_overview(later(overview, 5, 3))  # the next reading
    assert view.chosen == chosen
    assert view.model.row_at(view.table.currentIndex().row()).name == chosen
    assert changes == []  # the consumers below are not read again for nothing

    view.filter_edit.setText("no such queue")
    assert view.chosen == ""
    assert changes == [""]
