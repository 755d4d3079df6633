"""The preview of a payment replay: one row per payment, the chosen one in full, then outcomes.

A PlanView, so the operation dialog drives it as any other preview (show_plan, show_stale),
but its table speaks payments (payment_replay_model.py) instead of messages.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QWidget

from opsdesk.operations.plan import Plan
from opsdesk.ui.operations import payment_replay_text as text
from opsdesk.ui.operations.payment_replay_model import PaymentReplayModel
from opsdesk.ui.operations.plan_view import PlanView
from opsdesk.ui.operations.table_style import fit_columns, style_table

# Widest a column gets when fitted to its contents (whole in its tooltip).
WIDEST_COLUMN = 240
# The outcome column is empty until the run: it keeps room for what will come.
OUTCOME_SAMPLE = "✗ failed again (card_declined)"


class PaymentPlanView(PlanView):
    """Summary, the payments, the selected payment in full; a line for the batch's outcome."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PaymentReplayModel(self)
        self.payments = QTableView()
        self.payments.setObjectName("paymentReplayTable")
        self.payments.setModel(self.model)
        style_table(self.payments)
        # Every column fitted, the last too: stretched, it would be squeezed to nothing
        # whenever the others fill the width (a horizontal scroll bar shows it instead).
        self.payments.horizontalHeader().setSectionResizeMode(
            PaymentReplayModel.COL_WHERE, QHeaderView.ResizeMode.Interactive
        )
        self.payments.selectionModel().selectionChanged.connect(self._on_selection_changed)
        # The message table of PlanView lists messages; this preview lists payments instead.
        self.items.hide()
        self.splitter.insertWidget(0, self.payments)
        self.splitter.setStretchFactor(0, 2)  # the payments get the room, the details less
        self.splitter.setStretchFactor(2, 1)
        self.message.setPlaceholderText("Select a payment to see exactly what would be sent.")
        self.outcome_summary = QLabel()
        self.outcome_summary.setObjectName("replayOutcomeSummary")
        self.outcome_summary.setWordWrap(True)
        self.outcome_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome_summary.hide()
        font = self.outcome_summary.font()
        font.setBold(True)  # the answer the operator waited for
        self.outcome_summary.setFont(font)
        layout = self.layout()
        assert layout is not None
        layout.addWidget(self.outcome_summary)

    def show_plan(self, plan: Plan) -> None:
        self._plan = plan
        self.summary.setText(text.plan_summary(plan))
        self.model.set_payments(plan.replay_payments)
        self.show_outcome_summary("")
        shown = self.model.rowCount() > 0
        self.payments.setVisible(shown)
        self.message.setVisible(shown)
        self.refit_columns()
        if shown:
            self.payments.selectRow(0)
        else:
            self.message.clear()

    def show_stale(self, text_: str) -> None:
        self._plan = None
        self.summary.setText(text_)
        self.model.set_payments(())
        self.show_outcome_summary("")
        self.message.clear()

    def show_outcome_summary(self, line: str) -> None:
        self.outcome_summary.setText(line)
        self.outcome_summary.setVisible(bool(line))

    def refit_columns(self) -> None:
        """Each column sized to what it shows now, the outcome column never narrower than an
        outcome's usual text."""
        fit_columns(self.payments, WIDEST_COLUMN)
        last = PaymentReplayModel.COL_WHERE
        self.payments.resizeColumnToContents(last)
        self.payments.setColumnWidth(last, min(self.payments.columnWidth(last) + 8, WIDEST_COLUMN))
        column = PaymentReplayModel.COL_OUTCOME
        room = self.payments.fontMetrics().horizontalAdvance(OUTCOME_SAMPLE) + 16
        self.payments.setColumnWidth(column, max(self.payments.columnWidth(column), room))

    def _on_selection_changed(self, selected: QItemSelection, _: QItemSelection) -> None:
        rows = selected.indexes()
        payment = self.model.payment_at(rows[0].row()) if rows else None
        if self._plan is None or payment is None:
            self.message.clear()
            return
        self.message.setPlainText(text.payment_details(self._plan, payment))
