"""Which writer a tap of a profile commits with: on threads, or in a child process."""

from __future__ import annotations

from pathlib import Path

from opsdesk.config import Profile
from opsdesk.ingest.process_writer import ProcessWriter
from opsdesk.ingest.thread_writer import ThreadWriter
from opsdesk.ingest.writer import Writer


def tap_writer(profile: Profile, db_path: Path, *, shows_events: bool) -> Writer:
    """The profile's `store_process` decides; unset, commits run in a child process exactly
    when nobody shows the stored events (`collect`): the window shows them, and they would
    cross back from the child."""
    in_child = profile.tap.store_process
    if in_child is None:
        in_child = not shows_events
    writer = ProcessWriter if in_child else ThreadWriter
    return writer(db_path, profile.mappings, with_events=shows_events)
