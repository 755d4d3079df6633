"""Which payments a payment replay takes, as the window names them.

By payment id (a timeline, the stuck list), by history rows (a selection in History: their
payments, looked up when planning, off the UI thread), or by the filter History shows (the
engine takes the filter itself). History offers both its selection and its filter; the
dialog lets the operator choose.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from opsdesk.operations.plan import Destination, Plan
from opsdesk.operations.service import Operations
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery


@dataclass(frozen=True, slots=True)
class PaymentPick:
    """Payment ids, or history row ids; and, as the other choice, a history filter."""

    payment_ids: tuple[str, ...] = ()
    row_ids: tuple[int, ...] = ()
    event_filter: EventFilter | None = None

    @property
    def has_selection(self) -> bool:
        return bool(self.payment_ids or self.row_ids)

    @property
    def has_filter(self) -> bool:
        """A filter that narrows something (History's row bound alone would take everything)."""
        return self.event_filter is not None and not _unbounded(self.event_filter).is_empty

    def describe_selection(self) -> str:
        if self.payment_ids:
            if len(self.payment_ids) == 1:
                return f"payment {self.payment_ids[0]}"
            return f"{len(self.payment_ids):,} payments"
        return f"the payments of the {len(self.row_ids):,} selected row(s)"

    def describe_filter(self) -> str:
        if self.event_filter is None:
            return "no filter"
        shown = _unbounded(self.event_filter).describe()
        listed = " (as listed now)" if self.event_filter.up_to_id is not None else ""
        return f"every payment with an event the filter matches: {shown}{listed}"


def _unbounded(event_filter: EventFilter) -> EventFilter:
    return replace(event_filter, up_to_id=None)


def payment_ids_of_rows(db_path: Path, row_ids: Sequence[int]) -> list[str]:
    """The payments of these history rows, in row order, each once (rows without one skipped)."""
    with EventQuery(db_path) as query:
        values = query.values(list(row_ids), ["payment_id"])
    return list(dict.fromkeys(str(v[0]) for v in values if v[0]))


def plan_pick(
    ops: Operations,
    db_path: Path,
    pick: PaymentPick,
    use_filter: bool,
    *,
    reason: str,
    destination: Destination | None,
    overrides: Collection[str],
    now: datetime | None = None,
) -> Plan:
    """Plan the replay of the picked payments (run on the planning thread: it reads)."""
    if use_filter:
        return ops.plan_payment_replay(
            event_filter=pick.event_filter,
            reason=reason,
            destination=destination,
            overrides=overrides,
            now=now,
        )
    payment_ids = list(pick.payment_ids) or payment_ids_of_rows(db_path, pick.row_ids)
    if not payment_ids:
        raise ValueError("the selected rows name no payment")
    return ops.plan_payment_replay(
        payment_ids, reason=reason, destination=destination, overrides=overrides, now=now
    )
