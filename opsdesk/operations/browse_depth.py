"""How deep a browse may reach, and a position brought back within reach, with a note saying so.

To show #N a browse takes every message before it from the head and holds them unacknowledged
until it hands them all back (peek.py, counted_take.py): the broker keeps every one of them in
memory for the browse's channels, none of them can go to another consumer (or another browse)
meanwhile, and each is marked redelivered. The deeper the page, the more of all three, and the
longer it takes. So a browse reaches a fixed depth at most, and says so where it bites.

Measured (benchmarks/browse_depth.py, 9 runs; RabbitMQ 3.10.8 on the shared 2-core machine,
load average 4 to 11 from other work; ~1 KB persistent messages; the last page of 50 at #N,
so every message before it held): time, and the broker's memory at its peak during the
browse above what it was before (the Erlang VM's total; other work moves it too):

    classic (v1, v2)   #10,000    0.4 - 1.2 s    +4 - 28 MiB
                       #25,000    1.8 s          +117 MiB
                       #50,000    1.4 - 6.0 s    +98 - 177 MiB
                       #75,000    6.7 s          +189 MiB
                       #100,000   7.5 - 12.4 s   +247 - 594 MiB; one run of seven took 37 s
                                                 and came back short (the broker paused)
                       #150,000   15.5 - 20.5 s  +357 - 463 MiB
                       #200,000   13.9 - 40.9 s  +346 - 516 MiB
    quorum, no limit   #10,000 0.7 - 1.0 s, #50,000 2.3 s (read by consumers, as classic)
    quorum with a      #1,000     1.3 s          (one basic.get at a time: 210 - 950 msg/s
    delivery limit     #2,000     2.1 - 7.0 s     as the load came and went)
                       #3,000     5.1 s
                       #5,000     12.3 - 23.9 s
                       #10,000    26.8 s

MAX_BROWSE_DEPTH is the deepest that stayed well under 10 s in every run on that busy broker
(#100,000 took over 10 s in three runs of seven). A queue read one basic.get at a time (a
quorum queue with a delivery limit, or one whose type cannot be read) gets
MAX_COUNTED_BROWSE_DEPTH by the same rule (under 10 s even at the slowest rate seen, 210/s);
and before RabbitMQ 4.3 every message a browse takes there spends one of its deliveries, so
the fewer the better.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BROWSE_DEPTH = 50_000
MAX_COUNTED_BROWSE_DEPTH = 2_000

WHY_CAPPED = (
    "to show a message a browse holds every message before it unacknowledged until it hands "
    "them back: the broker keeps them in memory for it (100-180 MB for 50,000 messages of "
    "1 KB), no consumer can have them meanwhile, and deeper than that a browse takes over "
    "10 s on a busy broker"
)
WHY_COUNTED_CAPPED = (
    "this queue is read one message at a time (a quorum queue with a delivery limit: 200 to "
    "1,000 a second) and each message a browse takes spends one of its deliveries"
)
READ_DEEPER = (
    "to read deeper, look in History (what the desk's tap recorded, and its export) or use "
    "Move or Dead-letter with a filter, which go through the whole queue"
)


def depth_cap(one_at_a_time: bool) -> int:
    """How many messages a browse may take from the head (its last reachable is cap - 1)."""
    return MAX_COUNTED_BROWSE_DEPTH if one_at_a_time else MAX_BROWSE_DEPTH


def why_capped(one_at_a_time: bool) -> str:
    return WHY_COUNTED_CAPPED if one_at_a_time else WHY_CAPPED


@dataclass(frozen=True, slots=True)
class Reach:
    """Where a browse starts and how many it asks for, once held within the queue and the cap."""

    offset: int
    limit: int
    note: str | None = None  # why offset or limit is not what was asked


def reach(queue: str, offset: int, limit: int, ready: int, cap: int) -> Reach:
    """`offset`, or the last page within the queue's `ready` messages and the `cap`.

    A position past either is brought back to the last page that can be shown; a page that
    would run past the cap ends at it. Either way the note says so: never silently.
    """
    end = min(ready, cap)  # positions [0, end) can be shown
    if offset >= end and offset > 0:
        first = max(0, end - limit)
        if ready > cap:
            why = f"#{offset:,} is past the cap of {cap:,}"
        elif ready:
            last = f"#0 to #{ready - 1:,}"
            why = f"#{offset:,} is past the end of {queue!r} ({ready:,} ready: {last})"
        else:
            return Reach(0, limit, f"#{offset:,} is past the end: {queue!r} has no ready message")
        return Reach(first, min(limit, end - first), f"{why}: showing from #{first:,}")
    if offset + limit > cap and ready > cap:
        return Reach(
            offset, cap - offset, f"the page ends at #{cap - 1:,}, the deepest a browse reaches"
        )
    return Reach(offset, limit)
