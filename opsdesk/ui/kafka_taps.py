"""The profile's Kafka clusters in the window, beside its RabbitMQ tap.

Each `[[profiles.X.kafka]]` table gets a tap of its own (a KafkaSource and the window's writer,
as `opsdesk collect --kafka` builds it: positions in the batches' transactions, nothing
committed to the cluster), its own status in the status bar ("Kafka NAME"), and, when the
table names consumer groups, their lag sampled into the history as `collect` does. Its stored
events go through the RabbitMQ tap's bridge signal, so the Live table, History, the dashboard
and the search index take them as they take the broker's: nothing downstream knows the source.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Protocol

from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config import Profile
from opsdesk.config.kafka_settings import KafkaSettings, with_password
from opsdesk.foreground import Foreground
from opsdesk.ingest.kafka_history import held_positions
from opsdesk.ingest.kafka_lag_samples import LagSampler
from opsdesk.ingest.kafka_source import KafkaSource
from opsdesk.ingest.tap import Tap
from opsdesk.ingest.writer_choice import tap_writer
from opsdesk.ui.connection_status import ConnectionStatusWidget
from opsdesk.ui.main_window import MainWindow
from opsdesk.ui.tap_bridge import TapBridge


class Worker(Protocol):
    def start(self) -> None: ...

    def stop(self, timeout: float = ...) -> None: ...


class _LagWorker:
    """A LagSampler as the desk's workers are started and stopped."""

    def __init__(self, sampler: LagSampler) -> None:
        self._sampler = sampler
        self._started = False

    def start(self) -> None:
        self._sampler.start()
        self._started = True

    def stop(self, timeout: float = 10.0) -> None:
        if self._started:  # a desk closed before it started has no thread to join
            self._sampler.stop()  # wakes its wait at once; a lag read ends within its timeout


def add_kafka_taps(
    window: MainWindow,
    add_worker: Callable[[Worker], None],
    tap_bridge: TapBridge,
    profile: Profile,
    db_path: Path,
    foreground: Foreground | None = None,
    on_lag_samples: Callable[[list[QueueSample]], None] | None = None,
) -> list[TapBridge]:
    """A tap per Kafka cluster of the profile, its events into `tap_bridge`; their bridges.
    `on_lag_samples` gets each lag round as it is stored (the dashboard's live queue data)."""
    bridges = []
    for table in profile.kafka:
        # The keyring is asked only for a cluster with SASL (the table names its user).
        settings = with_password(profile.name, table)
        bridge = _status_bridge(window, settings)
        bridge.events_stored.connect(tap_bridge.events_stored)
        source = KafkaSource(settings, partial(held_positions, db_path))
        writer = tap_writer(profile, db_path, shows_events=True, foreground=foreground)
        add_worker(Tap(source, writer, bridge, foreground=foreground))
        if settings.consumer_groups:
            interval = profile.monitor.interval
            add_worker(_LagWorker(LagSampler(settings, db_path, interval, on_lag_samples)))
        bridges.append(bridge)
    return bridges


def _status_bridge(window: MainWindow, settings: KafkaSettings) -> TapBridge:
    """The cluster's bridge, shown by a status of its own in the window's status bar."""
    bridge = TapBridge(window)
    status = ConnectionStatusWidget(f"Kafka {settings.name} ({settings.where()})", window)
    status.setObjectName(f"kafkaStatus-{settings.name}")
    status.setToolTip(f"Kafka cluster {settings.name!r}: {settings.reads()}")
    window.statusBar().addWidget(status, 1)
    bridge.state_changed.connect(status.show_state)
    bridge.counters_changed.connect(status.show_counters)
    return bridge
