"""A desk on a stream, as the tests build it: a profile and a tap from the history's positions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.source_choice import tap_source
from opsdesk.ingest.stream_reader import StreamBatch
from opsdesk.ingest.stream_tap import StreamTapSource, stream_log
from opsdesk.ingest.tap import Tap
from opsdesk.ingest.tap_state import TapListener
from opsdesk.ingest.writer_choice import tap_writer
from opsdesk.store.event_store import EventStore
from opsdesk.store.source_positions import LogPositions, read_positions
from tests.conftest import BROKER_URL


def stream_profile(exchange: str, stream: str, url: str = BROKER_URL, **tap: object) -> Profile:
    settings = TapSettings(queue=stream, kind="stream", batch_interval=0.05, max_age="1h")
    return Profile(
        name="team",
        endpoint=BrokerEndpoint(url=url),
        bindings=(Binding(exchange, "payment.#"),),
        tap=replace(settings, **tap),  # type: ignore[arg-type]
    )


def stream_tap(
    profile: Profile, db: Path, listener: TapListener, backfill: BackfillStart | None = None
) -> tuple[Tap[StreamBatch], StreamTapSource]:
    """Built as the window builds its tap (thread writer unless the profile says otherwise)."""
    source = tap_source(profile, db, backfill)
    assert isinstance(source, StreamTapSource)
    return Tap(source, tap_writer(profile, db, shows_events=True), listener), source


def history_positions(profile: Profile, db: Path) -> LogPositions:
    with EventStore(db, readonly=True) as store:
        return read_positions(store.db.conn, stream_log(profile))


def event_ids(db: Path) -> list[str]:
    """Every stored event id, doubles included (the store refuses them: a list shows it)."""
    with EventStore(db, readonly=True) as store:
        return [row[0] for row in store.db.execute("SELECT event_id FROM events")]
