"""What a sweep holds and will hand back, with each message's delivery count.

A sweep (sweep.py) holds every message it takes until it acks it (after its copy is confirmed)
or rejects it into the dead-letter exchange; the rest go back to the queue at the end, passed
over by the filter, refused, failed, or never examined because the sweep stopped. On a quorum
queue whose returns count (broker/delivery_limit.py) each of those is one delivery more, so
this keeps, per delivery tag, the message's count as taken: the sweep stops at the first
passed-over message whose return would leave it no return to spare, finishes (as planned) a
message in hand that going back would dead-letter, and reports what went back at its limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from opsdesk.broker.delivery_limit import NO_LIMIT, DeliveryLimit
from opsdesk.operations.limit_stop import LimitStop, Returned
from opsdesk.operations.selection import message_key

SHOWN = 5  # messages named in a note


@dataclass(frozen=True, slots=True)
class _Taken:
    position: int  # the sweep's examined index (0 = the first message it took)
    returned: Returned


class SweepReturns:
    """The deliveries a sweep holds unacked, and what handing them back does to them."""

    def __init__(
        self, limit: DeliveryLimit = NO_LIMIT, fate: str = "", *, quorum: bool = False
    ) -> None:
        self.limit = limit
        self.quorum = quorum  # a quorum queue, or one whose type is unknown
        self._fate = fate
        self._held: dict[int, _Taken] = {}
        self.taken_away: list[str] = []  # keys acked or rejected: no longer in the queue

    @property
    def guards(self) -> bool:
        return self.limit.guards_returns

    @property
    def held(self) -> int:
        """Deliveries taken and neither acked nor rejected yet."""
        return len(self._held)

    def took(
        self, tag: int, position: int, key: str, message_id: str | None, headers: Any
    ) -> Returned:
        item = Returned(key, message_id, self.limit.check(headers))
        self._held[tag] = _Taken(position, item)
        return item

    def settled(self, tag: int) -> None:
        """Acked or rejected: it will not go back."""
        taken = self._held.pop(tag, None)
        if taken is not None:
            self.taken_away.append(taken.returned.key)

    def stop_at(self, tag: int) -> LimitStop | None:
        """Why the sweep must stop at this held (passed-over) message, if it must."""
        taken = self._held.get(tag)
        if taken is None or not self.guards or not taken.returned.check.exhausts:
            return None
        return LimitStop(taken.position, taken.returned, self._fate, passed_over=True)

    def would_dead_letter(self, headers: Mapping[str, Any] | None) -> bool:
        return self.guards and self.limit.check(headers).dead_letters

    def handed_back(self, unexamined: Iterable[tuple[Any, Any, bytes]]) -> list[Returned]:
        """Everything going back: what is held, then what arrived but was never examined."""
        items = [taken.returned for taken in self._held.values()]
        for _method, props, body in unexamined:
            key = message_key(props, body)
            items.append(Returned(key, props.message_id, self.limit.check(props.headers)))
        return items

    def notes(self, returned: list[Returned]) -> list[str]:
        """What going back did to the returned messages, where returns count."""
        if not self.guards or not returned:
            return []
        notes = [
            f"{len(returned):,} message(s) went back to the queue, each with one return fewer "
            f"to spare ({self.limit.describe()})"
        ]
        at_limit = [r for r in returned if r.check.exhausts and not r.check.dead_letters]
        dead = [r for r in returned if r.check.dead_letters]
        if at_limit:
            notes.append(
                f"{len(at_limit):,} of them went back at their delivery limit: {_names(at_limit)}; "
                f"their next return would make the broker {self._fate}"
            )
        if dead:
            notes.append(
                f"{len(dead):,} of them had no return left, so going back made the broker "
                f"{self._fate}: {_names(dead)}"
            )
        return notes


def _names(items: list[Returned]) -> str:
    names = ", ".join(item.message_id or item.key for item in items[:SHOWN])
    more = len(items) - SHOWN
    return names + (f" and {more:,} more" if more > 0 else "")
