"""The main window with the newest stored events loaded, ready for live ones."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QWidget

from opsdesk.events.model import PaymentEvent
from opsdesk.store.errors import StoreError
from opsdesk.store.event_store import EventStore
from opsdesk.ui.event_table_model import EventTableModel
from opsdesk.ui.main_window import MainWindow
from opsdesk.ui.settings import UiSettings
from opsdesk.ui.tap_bridge import TapBridge

log = logging.getLogger(__name__)


def build_main_window(
    db_path: Path,
    bridge: TapBridge,
    settings: UiSettings,
    *,
    broker_label: str,
    log_file: Path | None = None,
    panels: Sequence[tuple[str, QWidget]] = (),
) -> MainWindow:
    """The window with the newest stored events loaded; live ones then come from `bridge`."""
    model = EventTableModel(row_cap=settings.live_row_cap)
    window = MainWindow(
        model, bridge, settings, broker_label=broker_label, log_file=log_file, panels=panels
    )
    try:
        model.set_events(load_recent_events(db_path, model.row_cap))
    except StoreError as exc:
        log.warning("cannot load recent events: %s", exc)
        window.show_problem(f"Could not load recent events ({exc}). New events will still appear.")
    return window


def load_recent_events(db_path: Path, limit: int) -> list[PaymentEvent]:
    """The newest `limit` stored events, newest first; none when there is no history yet."""
    if not db_path.exists():
        return []
    # A bounded LIMIT query: quick enough for the UI thread at start-up.
    with EventStore(db_path, readonly=True) as store:
        return store.latest(limit)
