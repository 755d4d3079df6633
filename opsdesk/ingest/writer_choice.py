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
    a lower CPU priority: longer UI stalls halve, and ingest drops to ~60 % of the threads'
    (benchmarks/ui_stall.py, 40k events into a 1M history, paired runs on 2 cores: longest
    stall 42-80 ms against 69-161 ms; 2,400-2,800 against 4,000-4,500 events/s)."""
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
