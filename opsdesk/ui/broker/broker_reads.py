"""What the Broker tab reads, opened on its reader thread: the management API (queues,
consumers, connections, vhosts), node health, and the desk's stored queue samples.

Every method blocks (HTTP, SQLite): call them from the tab's BackgroundReader, never from
the UI thread. Failures are exceptions; `failure_sentence` says them in one plain sentence.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opsdesk.broker.connections import BrokerConnections, read_connections
from opsdesk.broker.consumers import QueueConsumers, read_consumers
from opsdesk.broker.failure_text import describe_broker_failure
from opsdesk.broker.management_api import ManagementClient, ManagementError
from opsdesk.broker.monitor_failure_text import describe_management_failure
from opsdesk.broker.node_health import ClusterHealth, NodeHealthReader
from opsdesk.broker.prometheus_rates import PrometheusRateReader, prometheus_base_url
from opsdesk.broker.queue_overview import OVERVIEW_TIMEOUT, QueueOverviewReader, list_vhosts
from opsdesk.broker.queue_overview_values import QueueOverview
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config import Profile
from opsdesk.config.endpoint import InvalidBrokerURL
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.errors import StoreError
from opsdesk.store.queue_sample_store import QueueSampleStore

log = logging.getLogger(__name__)

STORED_POINTS = 120  # per queue, for a sparkline a hundred pixels wide


class BrokerReads:
    """One per tab; its readers keep state between reads (Prometheus counters, last health)."""

    def __init__(self, profile: Profile, db_path: Path) -> None:
        endpoint, url = profile.endpoint, profile.monitor.management_url
        self._db_path = db_path
        self._store: QueueSampleStore | None = None
        self.client = ManagementClient(endpoint, url)  # small answers: the default timeout
        listing = ManagementClient(endpoint, url, OVERVIEW_TIMEOUT)  # 5,000 queues is MBs
        self._overview = QueueOverviewReader(
            listing, PrometheusRateReader([prometheus_base_url(u) for u in listing.base_urls])
        )
        self._health = NodeHealthReader(endpoint, url)

    @property
    def vhost(self) -> str:
        """The profile's vhost: the one the browser and the monitor work in."""
        return self.client.vhost

    def overview(self, vhost: str) -> QueueOverview:
        return self._overview.read(vhost)

    def vhosts(self) -> tuple[str, ...]:
        return list_vhosts(self.client)

    def consumers(self, queue: str, vhost: str) -> QueueConsumers:
        return read_consumers(self.client, queue, vhost)

    def connections(self) -> BrokerConnections:
        return read_connections(self.client)

    def health(self) -> ClusterHealth:
        """Never raises: a health read that failed carries its sentence in `failure`."""
        return self._health.read()

    def stored_depths(self, since: timedelta) -> dict[str, list[QueueSample]]:
        """The monitor's samples of the last `since`, by queue (none without a history)."""
        now = datetime.now(UTC)
        start, end = utc_iso(now - since), utc_iso(now + timedelta(seconds=1))
        try:
            store = self._open_store()
            return {
                queue: store.series(queue, start, end, STORED_POINTS)
                for queue in store.queues_seen(start)
            }
        except StoreError as exc:
            log.info("no stored queue samples for sparklines: %s", exc)
            return {}

    def stored_series(self, queue: str, since: timedelta) -> list[QueueSample]:
        """The monitor's samples of `queue` (in the profile's vhost) over the last `since`."""
        now = datetime.now(UTC)
        start, end = utc_iso(now - since), utc_iso(now + timedelta(seconds=1))
        try:
            samples = self._open_store().series(queue, start, end)
        except StoreError as exc:
            log.info("no stored samples of %s: %s", queue, exc)
            return []
        return [s for s in samples if s.vhost == self.vhost]

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _open_store(self) -> QueueSampleStore:
        if self._store is None:
            if not self._db_path.exists():
                raise StoreError(f"{self._db_path} does not exist yet")
            self._store = QueueSampleStore(self._db_path, readonly=True)
        return self._store


def failure_sentence(error: Exception) -> str:
    """Why a read failed, in one sentence for the operator (never a traceback)."""
    if isinstance(error, ManagementError):
        return describe_management_failure(error)
    if isinstance(error, InvalidBrokerURL):  # the profile's management_url
        return f"The management API cannot be used: {error}."
    if isinstance(error, StoreError):
        return f"The stored queue samples cannot be read: {error}."
    return describe_broker_failure(error)
