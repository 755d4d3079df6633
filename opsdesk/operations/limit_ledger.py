"""The messages this desk handed back to a quorum queue with no return to spare, per queue.

A message's delivery count shows only once it is taken, and before RabbitMQ 4.3 every way of
giving it back counts. So a browse cannot see in advance that the message at the head has no
return left: it learns that by taking it, and then the return dead-letters it. Whoever left the
message at its limit knows, though: browses and sweeps write such messages down here, and the
next browse of that queue asks first (BrowseWarning) instead of taking them. Where such a
message waits depends on the broker (RabbitMQ 3.10 puts a returned message behind the others,
measured; 4.x hands returned messages out first), so any browse may reach it.

What is written here is this process's own doing: the application's rejects, or another desk's
browses, are not in it (each browse still stops at the first message it finds at the limit).
An entry goes when a later browse or sweep takes that message again, or takes every ready
message without meeting it. The queue's ready count is no proof that it has gone: a quorum
queue's count lags returns by a moment (measured: 0 right after a browse handed back 3).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from opsdesk.operations.limit_stop import Returned


@dataclass(frozen=True, slots=True)
class Exhausted:
    """A message left with a delivery count equal to its queue's limit."""

    key: str
    message_id: str | None
    count: int
    limit: int

    def describe(self) -> str:
        return f"{self.message_id or self.key} (delivery count {self.count} of {self.limit})"


class LimitLedger:
    """Thread-safe: the browser's reader and an operation's worker both write to it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[tuple[str, str], dict[str, Exhausted]] = {}

    def exhausted(self, broker: str, queue: str) -> tuple[Exhausted, ...]:
        with self._lock:
            return tuple(self._queues.get((broker, queue), {}).values())

    def record(
        self,
        broker: str,
        queue: str,
        returned: Iterable[Returned],
        taken_away: Iterable[str] = (),
        *,
        whole_queue: bool = False,
    ) -> None:
        """After handing `returned` back (and acking or rejecting `taken_away`, by key).

        `whole_queue`: those were every ready message, so an entry not among them is gone.
        """
        returned = list(returned)
        with self._lock:
            entries = self._queues.setdefault((broker, queue), {})
            if whole_queue:
                seen = {item.key for item in returned}
                for key in [k for k in entries if k not in seen]:
                    del entries[key]
            for key in taken_away:
                entries.pop(key, None)
            for item in returned:
                check = item.check
                if check.limit is not None and check.after == check.limit:
                    entries[item.key] = Exhausted(
                        item.key, item.message_id, check.after, check.limit
                    )
                else:  # still has returns to spare, or the broker dead-lettered it
                    entries.pop(item.key, None)
            if not entries:
                del self._queues[(broker, queue)]


# One per process: every Operations of the process (the browser's, a dialog's) shares it.
LEDGER = LimitLedger()
