"""What the queue browser says about a page: what it shows, what it is doing, why no further."""

from __future__ import annotations

from opsdesk.operations import browse_depth
from opsdesk.operations.browse import (
    TIME_PER_GET_S,
    TIME_PER_MESSAGE_S,
    BrowseResult,
    time_limit_for,
)


def describe(result: BrowseResult) -> str:
    """`orders: 2,835 ready, 0 consumer(s) · showing #2,700 to #2,749 · read in 0.4s`."""
    shown = len(result.messages)
    span = (
        f"#{result.offset:,} to #{result.offset + shown - 1:,}"
        if shown
        else f"nothing at #{result.offset:,}"
    )
    text = (
        f"{result.queue}: {result.ready:,} ready, {result.consumers} consumer(s) · "
        f"showing {span} · read in {result.elapsed_s:.1f}s"
    )
    if shown and result.ready > result.cap and result.offset + shown >= result.cap:
        text += f" · #{result.cap - 1:,} is as deep as a browse reaches"
    if result.limit_stop is not None:
        return (
            text + f" · stopped at #{result.limit_stop.position:,}: its delivery limit (see above)"
        )
    return text if result.complete else text + " (stopped short: see why above)"


def browsing(name: str, first: int, limit: int, one_at_a_time: bool | None = None) -> str:
    """While a page is read: a deep one says that it takes everything before it too, and for
    how long at most. `one_at_a_time`: how the queue was read last time, None if not known."""
    if not first:
        return f"Browsing {name}…"
    cap = browse_depth.depth_cap(bool(one_at_a_time))
    if first >= cap:
        how_long = _how_long(cap, one_at_a_time)
        return (
            f"Browsing {name}: #{first:,} is past the cap of {cap:,}: taking the {cap:,} "
            f"messages from the head for the last page it reaches ({how_long})…"
        )
    return (
        f"Browsing {name}: taking the {first:,} message(s) before #{first:,} too "
        f"({_how_long(first + limit, one_at_a_time)})…"
    )


def _how_long(taken: int, one_at_a_time: bool | None) -> str:
    by_consumer = f"for up to {_seconds(taken, False):.0f}s"
    if one_at_a_time is False:
        return by_consumer
    by_get = f"up to {_seconds(taken, True):.0f}s"
    if one_at_a_time:
        return f"for {by_get}: it is read one message at a time"
    return f"{by_consumer}; {by_get} on a quorum queue with a delivery limit, read one at a time"


def _seconds(taken: int, one_at_a_time: bool) -> float:
    reached = min(taken, browse_depth.depth_cap(one_at_a_time))
    return time_limit_for(reached, TIME_PER_GET_S if one_at_a_time else TIME_PER_MESSAGE_S)


def next_tip(result: BrowseResult | None, first: int, limit: int) -> tuple[bool, str]:
    """Whether Next can show more, and its tooltip saying so (or why not)."""
    if result is None:
        return False, "Browse a queue first"
    if first + limit < min(result.ready, result.cap):
        return True, f"#{first + limit:,} on"
    if not result.ready:
        return False, "The queue was empty"
    if result.ready > result.cap:
        return False, f"No further: {_cap_sentence(result)}"
    return False, f"No more: the queue had {result.ready:,} ready (#0 to #{result.ready - 1:,})"


def deep_queue_line(result: BrowseResult) -> str | None:
    """The line above a queue deeper than a browse reaches, or None."""
    if result.ready <= result.cap:
        return None
    return (
        f"This queue holds {result.ready:,} messages; {_cap_sentence(result)}; "
        f"{browse_depth.READ_DEEPER}."
    )


def _cap_sentence(result: BrowseResult) -> str:
    why = browse_depth.why_capped(result.one_at_a_time)
    return f"a browse can reach #{result.cap - 1:,} at most, because {why}"


def position_tip(result: BrowseResult | None) -> str:
    """The position field's tooltip: what it is, how deep a browse reaches, and in this queue."""
    deepest = browse_depth.MAX_BROWSE_DEPTH - 1
    counted = browse_depth.MAX_COUNTED_BROWSE_DEPTH - 1
    text = (
        "The position of the first message shown; 0 is the head.\n"
        f"A browse reaches #{deepest:,} at most (#{counted:,} on a quorum queue with a delivery "
        "limit, read one message at a time): to show a message it holds every message before "
        "it unacknowledged.\n"
    )
    if result is not None and result.ready:
        end = min(result.ready, result.cap)
        text += f"{result.queue}: #0 to #{end - 1:,} can be shown ({result.ready:,} ready).\n"
    return text + (
        "A position past what can be shown brings the last page that can, and a note says so."
    )
