"""Which source a desk's tap reads: the profile's classic tap queue, or the team's stream."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from opsdesk.broker.connection import connection_parameters
from opsdesk.config import Profile
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.classic_tap import ClassicTapSource
from opsdesk.ingest.source import Source
from opsdesk.ingest.stream_history import history_positions, record_backfill
from opsdesk.ingest.stream_tap import StreamTapSource, stream_log


class BackfillNeedsStream(ValueError):
    """A backfill was asked of a classic tap, which keeps nothing to read again."""


def tap_source(
    profile: Profile, db_path: Path, backfill: BackfillStart | None = None
) -> Source[Any]:
    """The profile's source; a stream source (StreamTapSource, whose backfill the window
    drives) resumes where the history ends in it, and backfills from `backfill` (recorded in
    the history first) if asked."""
    if profile.tap.kind != "stream":
        if backfill is not None:
            raise BackfillNeedsStream(
                "backfill reads a stream again: this profile's tap is a classic queue "
                '(set kind = "stream" in its [profiles.NAME.tap] table)'
            )
        return ClassicTapSource(profile)
    connection_parameters(profile.endpoint)  # a malformed URL fails before the history is touched
    log = stream_log(profile)
    if backfill is not None:
        record_backfill(db_path, log, backfill)
    return StreamTapSource(profile, partial(history_positions, db_path, log))
