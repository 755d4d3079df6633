"""The event tables' delegate paints each cell as Qt's own delegate would from the roles."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTableView

from opsdesk.events.model import Status
from opsdesk.ui import event_cells
from opsdesk.ui.event_cell_delegate import EventCellDelegate
from opsdesk.ui.event_table_model import EventTableModel
from opsdesk.ui.live_event_view import LiveEventTableView
from tests.ui.sample_events import payment_event


def _look(
    delegate: QStyledItemDelegate, view: QTableView, index: QModelIndex
) -> tuple[object, ...]:
    option = QStyleOptionViewItem()
    option.font = view.font()
    option.palette = view.palette()
    delegate.initStyleOption(option, index)
    has_display = bool(option.features & QStyleOptionViewItem.ViewItemFeature.HasDisplay)
    return (
        option.text,
        has_display,
        option.displayAlignment,
        option.font.bold(),
        option.palette.text().color().name(),
        option.backgroundBrush.style(),
        option.backgroundBrush.color().name(),
        option.index == index,
    )


def assert_same_looks(
    view: QTableView, model: QAbstractItemModel, delegate: type = EventCellDelegate
) -> int:
    """Every cell's style option from the view's delegate equals Qt's own; cells compared."""
    ours = view.itemDelegate()
    assert isinstance(ours, delegate)
    qts = QStyledItemDelegate(view)  # asks the model for every role
    compared = 0
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            assert _look(ours, view, index) == _look(qts, view, index), (row, column)
            compared += 1
    return compared


def _varied_events() -> list:
    """A succeeded, failed, undecodable, refunded and replayed event, one of each."""
    return [
        payment_event(1),
        payment_event(2, status=Status.FAILED, error_code="card_declined"),
        payment_event(3, decode_error="not JSON", type=None, status=Status.UNKNOWN),
        payment_event(4, status=Status.REFUNDED, amount_minor=-1004, merchant="line\nbreak"),
        payment_event(5, replay_of="evt-000002", replay_attempt=1),
    ]


def test_the_live_table_paints_its_cells_as_the_models_roles_say(qtbot) -> None:
    model = EventTableModel()
    model.set_events(_varied_events())
    view = LiveEventTableView(model)
    qtbot.addWidget(view)
    assert assert_same_looks(view, model) == 5 * event_cells.LIVE_COLUMN_COUNT


def test_a_failed_status_is_bold_and_coloured_without_asking_the_model(qtbot) -> None:
    model = EventTableModel()
    model.set_events([payment_event(1, status=Status.FAILED)])
    view = LiveEventTableView(model)
    qtbot.addWidget(view)
    option = QStyleOptionViewItem()
    view.itemDelegate().initStyleOption(option, model.index(0, event_cells.COL_STATUS))
    foreground, background = event_cells.STATUS_COLOURS[Status.FAILED]
    assert option.text == event_cells.status_text(Status.FAILED)
    assert option.font.bold()
    assert option.palette.text().color() == foreground
    assert option.backgroundBrush.color() == background


def test_a_row_no_longer_there_is_left_to_qt(qtbot) -> None:
    model = EventTableModel()
    model.set_events([payment_event(1)])
    view = LiveEventTableView(model)
    qtbot.addWidget(view)
    stale = model.index(0, 0)
    model.set_events([])
    option = QStyleOptionViewItem()
    view.itemDelegate().initStyleOption(option, stale)  # no exception, nothing shown
    assert option.text == ""
