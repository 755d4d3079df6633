"""Every queue of a vhost in one management API GET, with rates from Prometheus when the API
has none.

One GET with `columns=` lists a vhost's queues: 5,000 queues were 1.7 MB (7 MB without
columns), read and turned into rows in ~1.1 s here, mostly the broker's time. Should a proxy
or a future API answer in pages, the reader follows them.

Rates: a queue entry whose `message_stats` carries `*_details` has the API's rates; with the
API's rates on, a queue without `message_stats` has seen no message. When the broker computes
none (`rates_mode = none`, `management_agent.disable_metrics_collector`), they come from the
rabbitmq_prometheus endpoint, which needs two readings; until then a row says so. Counts the
API has not reported yet (a queue declared a moment ago) come from Prometheus too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from opsdesk.broker.api_fields import (
    dict_entries,
    float_field,
    int_field,
    mapping_field,
    text_field,
)
from opsdesk.broker.management_api import ManagementClient, ManagementError, dead_letter_route
from opsdesk.broker.prometheus_rates import (
    PrometheusRateReader,
    PrometheusReading,
    PrometheusUnavailable,
    QueueDepth,
    prometheus_base_url,
)
from opsdesk.broker.queue_overview_values import (
    FiguresSource,
    QueueOverview,
    QueueRates,
    QueueRow,
)
from opsdesk.config import Profile

log = logging.getLogger(__name__)

OVERVIEW_TIMEOUT = 15.0  # seconds: a vhost of 5,000+ queues is a larger answer than one queue
_PAGE_SIZE = 500  # the API's largest page
_COLUMNS = ",".join(
    (
        "name",
        "vhost",
        "type",
        "state",
        "durable",
        "auto_delete",
        "exclusive",
        "arguments",
        "policy",
        "operator_policy",
        "effective_policy_definition",
        "messages_ready",
        "messages_unacknowledged",
        "messages",
        "consumers",
        "consumer_capacity",
        "consumer_utilisation",
        "message_stats.publish_details.rate",
        "message_stats.deliver_get_details.rate",
        "message_stats.ack_details.rate",
    )
)


def list_vhosts(client: ManagementClient) -> tuple[str, ...]:
    """The broker's virtual hosts the user can see, by name."""
    answer = client.get("/api/vhosts?columns=name")
    return tuple(sorted(str(v["name"]) for v in dict_entries(answer) if "name" in v))


def read_queue_entries(
    client: ManagementClient,
    vhost: str,
    columns: str = _COLUMNS,
    page_size: int | None = None,
) -> list[dict[str, Any]]:
    """The API's entries for every queue of `vhost` (ManagementNotFound: no such vhost).

    One GET unless `page_size` asks for pages; a paged answer is followed to its last page.
    Queues declared or deleted between pages can shift them: an entry seen twice is kept once.
    """
    path = f"/api/queues/{quote(vhost, safe='')}?columns={columns}"
    answer = client.get(path if page_size is None else f"{path}&page=1&page_size={page_size}")
    if isinstance(answer, list):
        return dict_entries(answer)
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        return []
    entries = {str(e.get("name")): e for e in dict_entries(answer["items"])}
    size = int(answer.get("page_size") or page_size or _PAGE_SIZE)
    for page in range(2, int(answer.get("page_count") or 1) + 1):
        more = client.get(f"{path}&page={page}&page_size={size}")
        items = more.get("items") if isinstance(more, dict) else None
        entries.update((str(e.get("name")), e) for e in dict_entries(items))
    return list(entries.values())


def overview_reader(profile: Profile, timeout: float = OVERVIEW_TIMEOUT) -> QueueOverviewReader:
    """A reader for the profile's broker: its management API, and the Prometheus endpoint on
    the same host (15692; 15691 over https), each node's on a cluster. InvalidManagementURL
    for a bad management_url."""
    client = ManagementClient(profile.endpoint, profile.monitor.management_url, timeout)
    prometheus = PrometheusRateReader([prometheus_base_url(u) for u in client.base_urls])
    return QueueOverviewReader(client, prometheus)


class QueueOverviewReader:
    """Reads overviews on its caller's thread (a background thread in the window).

    Keep one reader per window or command: its Prometheus reader holds the previous
    counters that rates are computed from.
    """

    def __init__(
        self, client: ManagementClient, prometheus: PrometheusRateReader | None = None
    ) -> None:
        self.client = client
        self.prometheus = prometheus
        self._rates_setting: bool | None = None  # the broker's, once read

    def read(self, vhost: str | None = None) -> QueueOverview:
        """Every queue of `vhost` (default: the client's); ManagementError when the API fails."""
        vhost = self.client.vhost if vhost is None else vhost
        entries = read_queue_entries(self.client, vhost)
        read_at = datetime.now(UTC)
        return self.overview_of(entries, vhost, read_at, api_rates=self._api_rates_setting())

    def overview_of(
        self,
        entries: Sequence[Any],
        vhost: str,
        read_at: datetime,
        api_rates: bool | None = None,
    ) -> QueueOverview:
        """The overview of the entries the API gave at `read_at`, Prometheus filling in what
        they lack (hence public: a caller with entries in hand, or a test, starts here).

        `api_rates`: whether the broker's API computes rates; None infers it from the entries
        (some entry has rates)."""
        valid = [e for e in entries if isinstance(e, dict) and "name" in e]
        if api_rates is None:
            api_rates = any(_api_rates(e) is not None for e in valid)
        reading, note, depth = None, "", {}
        if any(not _has_own_rates(e, api_rates) for e in valid):
            reading, note = self._read_prometheus(vhost)
            depth = dict(reading.depth) if reading else {}
        elif any("messages_ready" not in e for e in valid):
            depth = self._read_depth(vhost)
        rows = (
            _row(e, read_at, _rates(e, api_rates, reading, note), depth.get(str(e["name"])))
            for e in valid
        )
        return QueueOverview(
            vhost=vhost,
            read_at=read_at,
            rows=tuple(sorted(rows, key=lambda r: r.name)),
            prometheus_read_at=reading.read_at if reading else None,
            rates_note=note,
        )

    def _api_rates_setting(self) -> bool | None:
        """False when the broker's API computes no rates (rates_mode none, stats disabled)."""
        if self._rates_setting is None:
            try:
                answer = self.client.get("/api/overview?columns=rates_mode,disable_stats")
            except ManagementError as exc:
                log.info("rate settings unknown: %s", exc)
                return None
            if isinstance(answer, dict):
                mode, disabled = answer.get("rates_mode"), answer.get("disable_stats")
                self._rates_setting = mode not in (None, "none") and disabled is not True
        return self._rates_setting

    def _read_prometheus(self, vhost: str) -> tuple[PrometheusReading | None, str]:
        if self.prometheus is None:
            return None, "The management API gives no rates, and no Prometheus endpoint is set."
        try:
            return self.prometheus.read(vhost), ""
        except PrometheusUnavailable as exc:
            log.info("no Prometheus rates: %s", exc)
            return None, str(exc)

    def _read_depth(self, vhost: str) -> dict[str, QueueDepth]:
        if self.prometheus is None:
            return {}
        try:
            return self.prometheus.read_depth(vhost)
        except PrometheusUnavailable as exc:
            log.debug("no Prometheus figures for new queues: %s", exc)
            return {}


def _has_own_rates(entry: dict[str, Any], api_rates: bool) -> bool:
    # With rates on, a queue that never saw a message has no message_stats at all.
    return _api_rates(entry) is not None or (api_rates and "message_stats" not in entry)


def _api_rates(entry: dict[str, Any]) -> tuple[float, float, float] | None:
    stats = entry.get("message_stats")
    if not isinstance(stats, dict) or not any(key.endswith("_details") for key in stats):
        return None
    return _rate(stats, "publish"), _rate(stats, "deliver_get"), _rate(stats, "ack")


def _rate(stats: dict[str, Any], name: str) -> float:
    details = stats.get(f"{name}_details")
    rate = details.get("rate") if isinstance(details, dict) else None
    return float(rate) if isinstance(rate, int | float) else 0.0


def _row(
    entry: dict[str, Any], read_at: datetime, rates: QueueRates, depth: QueueDepth | None
) -> QueueRow:
    name = str(entry["name"])
    route = dead_letter_route(entry)
    figures: FiguresSource = "management"
    ready = _int(entry, "messages_ready")
    unacked, consumers = _int(entry, "messages_unacknowledged"), _int(entry, "consumers")
    total = _int(entry, "messages")
    if ready is None and depth is not None:  # not reported by the API yet, or not at all
        figures = "prometheus"
        ready, unacked, consumers = depth.ready, depth.unacked, depth.consumers
        total = ready + unacked if ready is not None and unacked is not None else None
    elif ready is None:
        figures = "none"
    return QueueRow(
        name=name,
        vhost=str(entry.get("vhost", "")),
        type=str(entry.get("type") or "classic"),
        state=str(entry["state"]) if entry.get("state") else None,
        ready=ready,
        unacked=unacked,
        total=total,
        consumers=consumers,
        consumer_utilisation=_utilisation(entry),
        rates=rates,
        read_at=read_at,
        figures_source=figures,
        dead_letter_exchange=route[0] if route else None,
        dead_letter_routing_key=route[1] if route else None,
        policy=text_field(entry.get("policy")),
        operator_policy=text_field(entry.get("operator_policy")),
        durable=bool(entry.get("durable", False)),
        auto_delete=bool(entry.get("auto_delete", False)),
        exclusive=bool(entry.get("exclusive", False)),
        arguments=mapping_field(entry.get("arguments")),
    )


def _rates(
    entry: dict[str, Any],
    api_rates: bool,
    reading: PrometheusReading | None,
    note: str,
) -> QueueRates:
    own = _api_rates(entry)
    if own is not None:
        return QueueRates(*own, source="management")
    if api_rates and "message_stats" not in entry:
        return QueueRates(0.0, 0.0, 0.0, "management", detail="no message since declared")
    if reading is None:
        return QueueRates(None, None, None, "none", detail=note)
    name = str(entry["name"])
    rates = reading.rates(name)
    if rates is None:
        return QueueRates(None, None, None, "pending")
    if name not in reading.depth and name not in reading.increases:
        return QueueRates(
            None,
            None,
            None,
            "none",
            detail="Prometheus does not list this queue: its node's endpoint is not scraped.",
        )
    return QueueRates(*rates, source="prometheus", interval=reading.interval)


def _int(entry: dict[str, Any], key: str) -> int | None:
    return int_field(entry.get(key))


def _utilisation(entry: dict[str, Any]) -> float | None:
    # consumer_capacity is the newer name (3.12+); both mean the same.
    capacity = float_field(entry.get("consumer_capacity"))
    return capacity if capacity is not None else float_field(entry.get("consumer_utilisation"))
