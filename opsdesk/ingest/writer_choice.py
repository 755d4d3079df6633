"""Which writer a tap of a profile commits with: on threads, or in a child process."""

from __future__ import annotations

from pathlib import Path

from opsdesk.config import Profile
from opsdesk.foreground import Foreground
from opsdesk.ingest.process_writer import ProcessWriter
from opsdesk.ingest.thread_writer import ThreadWriter
from opsdesk.ingest.writer import Writer


def tap_writer(
    profile: Profile, db_path: Path, *, shows_events: bool, foreground: Foreground | None = None
) -> Writer:
    """The profile's `store_process` decides; unset, commits run in a child process exactly
    when nobody shows the stored events (`collect`): the window shows them, and they would
    cross back from the child. A window that asks for the child gets decoding there too, at
    a lower CPU priority, and about half the threads' ingest rate; since the threads give way
    to a late UI thread, no shorter stalls (benchmarks/ui_stall.py, 60k events into a 1M
    history, 2 rounds each on 2 cores: longest stall 52-64 ms at 2,000-2,400 events/s in the
    child, 42-75 ms at 4,000-5,000 on the threads)."""
    in_child = profile.tap.store_process
    if in_child is None:
        in_child = not shows_events
    if not in_child:
        # The window's threads give way to its UI thread (`foreground`).
        return ThreadWriter(
            db_path, profile.mappings, with_events=shows_events, foreground=foreground
        )
    # Where events are shown, this process is the window's: decoding goes to the child too.
    return ProcessWriter(
        db_path, profile.mappings, with_events=shows_events, decode_in_child=shows_events
    )
