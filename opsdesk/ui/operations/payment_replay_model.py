"""The payment replay table: one row per payment of the plan, its run and its next outcome."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from opsdesk.events.model import Status
from opsdesk.operations.plan import MessageOutcome, OutcomeStatus, ReplayPayment
from opsdesk.operations.replay_outcomes import OutcomeKind, PaymentOutcome
from opsdesk.ui.event_cells import STATUS_COLOURS
from opsdesk.ui.operations import payment_replay_text as text
from opsdesk.ui.rows_table_model import RowsTableModel

_Index = QModelIndex | QPersistentModelIndex
_BLOCKED = QColor("#8f1d1d")
_OUTCOME_COLOURS = {
    OutcomeKind.SUCCEEDED: STATUS_COLOURS[Status.SUCCEEDED],
    OutcomeKind.FAILED: STATUS_COLOURS[Status.FAILED],
}


@dataclass(frozen=True, slots=True)
class PaymentRow:
    payment: ReplayPayment
    sent: MessageOutcome | None = None  # how its run ended (None: not run)
    outcome: PaymentOutcome | None = None  # its next outcome, once followed


class PaymentReplayModel(RowsTableModel[PaymentRow]):
    """The plan's payments in plan order; the outcome column fills in after the run.

    What the operator decides on (guards) and waits for (outcome) comes before the details
    of what is sent, so both stay in view without scrolling."""

    COL_PAYMENT = 0
    COL_MERCHANT = 1
    COL_AMOUNT = 2
    COL_LAST_ERROR = 3
    COL_ATTEMPTS = 4
    COL_GUARDS = 5
    COL_OUTCOME = 6
    # What is sent where is long and mostly alike from row to row: last, where it may be cut.
    COL_SENDS = 7
    COL_WHERE = 8
    HEADERS = (
        "Payment",
        "Merchant",
        "Amount",
        "Last error",
        "Replays",
        "Guards",
        "Outcome",
        "Will send",
        "Where",
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows_of: dict[str, int] = {}
        self._waiting = text.WAITING

    def set_payments(self, payments: Iterable[ReplayPayment]) -> None:
        self.replace_rows([PaymentRow(p) for p in payments])
        self._rows_of = {row.payment.payment_id: i for i, row in enumerate(self._rows)}
        self._waiting = text.WAITING

    def payment_at(self, row: int) -> ReplayPayment | None:
        found = self.row_at(row)
        return found.payment if found is not None else None

    def row_of(self, payment_id: str) -> int | None:
        return self._rows_of.get(payment_id)

    def set_sent(self, outcomes: Iterable[MessageOutcome]) -> None:
        """How the run ended for each payment it names."""
        self._update((o.payment_id, {"sent": o}) for o in outcomes if o.payment_id is not None)

    def set_outcomes(self, outcomes: Iterable[PaymentOutcome]) -> None:
        self._update((o.payment_id, {"outcome": o}) for o in outcomes)

    def stop_waiting(self, text_instead: str) -> None:
        """Following ended: sent payments with no outcome say this instead of waiting."""
        self._waiting = text_instead
        self._changed(range(len(self._rows)))

    def outcome_texts(self) -> list[str]:
        return [text.outcome_text(r.sent, r.outcome, self._waiting) for r in self._rows]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        found = self.row_at(index.row()) if index.isValid() else None
        if found is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(found, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(found, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colours(found, column, 0)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._colours(found, column, 1)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            self.COL_AMOUNT,
            self.COL_ATTEMPTS,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _cell(self, row: PaymentRow, column: int) -> str:
        payment = row.payment
        if column == self.COL_PAYMENT:
            return payment.payment_id
        if column == self.COL_MERCHANT:
            return payment.merchant or ""
        if column == self.COL_AMOUNT:
            return text.amount_text(payment)
        if column == self.COL_LAST_ERROR:
            return payment.last_error or ""
        if column == self.COL_ATTEMPTS:
            return text.attempts_text(payment)
        if column == self.COL_SENDS:
            return text.sends_text(payment)
        if column == self.COL_WHERE:
            return text.where_text(payment.destination)
        if column == self.COL_GUARDS:
            return text.guards_text(payment)
        if column == self.COL_OUTCOME:
            return text.outcome_text(row.sent, row.outcome, self._waiting)
        return ""

    def _tooltip(self, row: PaymentRow, column: int) -> str | None:
        payment = row.payment
        if column == self.COL_GUARDS:
            return text.guards_tooltip(payment)
        if column == self.COL_OUTCOME:
            return text.outcome_tooltip(row.sent, row.outcome)
        if column == self.COL_WHERE and payment.destination is not None:
            return payment.destination.describe()
        if column == self.COL_ATTEMPTS:
            return f"Replays so far; this one would be attempt {payment.attempt}"
        if column == self.COL_SENDS:
            return text.sends_text(payment, whole=True)
        return self._cell(row, column) or None

    def _colours(self, row: PaymentRow, column: int, which: int) -> QBrush | None:
        if column == self.COL_OUTCOME:
            if row.sent is not None and row.sent.status is not OutcomeStatus.DONE:
                return QBrush(_BLOCKED) if which == 0 else None
            colours = _OUTCOME_COLOURS.get(row.outcome.kind) if row.outcome else None
            return QBrush(colours[which]) if colours else None
        if row.payment.blocked and which == 0:
            return QBrush(_BLOCKED)
        return None

    def _update(self, changes: Iterable[tuple[str, dict[str, Any]]]) -> None:
        rows = []
        for payment_id, fields in changes:
            row = self._rows_of.get(payment_id)
            if row is not None:
                self._rows[row] = replace(self._rows[row], **fields)
                rows.append(row)
        self._changed(rows)

    def _changed(self, rows: Iterable[int]) -> None:
        shown = list(rows)
        if shown:
            column = self.COL_OUTCOME
            self.dataChanged.emit(self.index(min(shown), column), self.index(max(shown), column))
