"""What the queue browser says about a page: what it shows, what it is doing, why no further."""

from __future__ import annotations

from opsdesk.operations.browse import BrowseResult, time_limit_for


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
    if result.limit_stop is not None:
        return (
            text + f" · stopped at #{result.limit_stop.position:,}: its delivery limit (see above)"
        )
    return text if result.complete else text + " (stopped short: see why above)"


def browsing(name: str, first: int, limit: int) -> str:
    """While a page is read: a deep one says that it takes everything before it too."""
    if not first:
        return f"Browsing {name}…"
    return (
        f"Browsing {name}: taking the {first:,} message(s) before #{first:,} too "
        f"(for up to {time_limit_for(first + limit):.0f}s)…"
    )


def next_tip(result: BrowseResult | None, first: int, limit: int) -> tuple[bool, str]:
    """Whether Next can show more, and its tooltip saying so (or why not)."""
    if result is None:
        return False, "Browse a queue first"
    if first + limit < result.ready:
        return True, f"#{first + limit:,} on"
    if not result.ready:
        return False, "The queue was empty"
    return False, f"No more: the queue had {result.ready:,} ready (#0 to #{result.ready - 1:,})"
