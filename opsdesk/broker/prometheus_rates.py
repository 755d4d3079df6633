"""Queue rates from the rabbitmq_prometheus plugin, for brokers whose management API has none.

RabbitMQ recommends Prometheus for metrics, and some setups turn the management API's
message rates off (`management_agent.disable_metrics_collector`, `rates_mode = none`).
The plugin's `/metrics/detailed` endpoint gives counters, not rates: a rate needs two
readings, so the reader keeps the previous one and turns the increases into messages/s.

Two generations of counters exist. RabbitMQ 3.13+ and 4.x have per-queue families
(`queue_delivery_metrics`, `queue_exchange_metrics`); older brokers only per-channel ones
(`channel_queue_metrics`, `channel_queue_exchange_metrics`), whose series vanish with their
channel. Increases are therefore taken series by series, a new series counting from zero and
a smaller value as a reset, as Prometheus' own rate() does. What a channel counted between
the last reading and its closing is lost: rates then read slightly low.

The broker updates these counters every `collect_statistics_interval` (5 s by default), so
rates are averaged over `window` seconds of readings rather than over the last step alone.
Each node reports only what it hosts: list every node's endpoint for a cluster. A node that
does not answer is left out while another does (the queues it led have moved to those that
answer); its counters are carried over until it answers again, so its return is no burst.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from opsdesk.broker.failure_text import Peer, describe_connect_failure
from opsdesk.broker.prometheus_text import PromSample, parse_scrape

log = logging.getLogger(__name__)

DEFAULT_PORT = 15692
TLS_PORT = 15691
DEFAULT_TIMEOUT = 5.0
DEFAULT_WINDOW = 10.0  # seconds of readings a rate averages over (two counter updates)

PROMETHEUS = Peer(
    "Prometheus endpoint",
    "is the rabbitmq_prometheus plugin enabled, on port 15692?",
    "check its URL",
    "network, firewall or busy",
)

_P = "rabbitmq_detailed_"
# (families to ask for, metric name -> what it counts) for each generation of counters.
_MODERN = (
    ("queue_delivery_metrics", "queue_exchange_metrics"),
    {
        _P + "queue_exchange_messages_published_total": "published",
        _P + "queue_get_ack_total": "delivered",
        _P + "queue_get_total": "delivered",
        _P + "queue_messages_delivered_ack_total": "delivered",
        _P + "queue_messages_delivered_total": "delivered",
        _P + "queue_messages_acked_total": "acked",
    },
)
_LEGACY = (
    ("channel_queue_metrics", "channel_queue_exchange_metrics"),
    {
        _P + "queue_messages_published_total": "published",
        _P + "channel_get_ack_total": "delivered",
        _P + "channel_get_total": "delivered",
        _P + "channel_messages_delivered_ack_total": "delivered",
        _P + "channel_messages_delivered_total": "delivered",
        _P + "channel_messages_acked_total": "acked",
    },
)
_DEPTH_FAMILIES = ("queue_coarse_metrics", "queue_consumer_count")
_DEPTH = {
    _P + "queue_messages_ready": "ready",
    _P + "queue_messages_unacked": "unacked",
    _P + "queue_consumers": "consumers",
}
_KINDS = ("published", "delivered", "acked")


class PrometheusUnavailable(Exception):
    """The endpoint did not answer usefully; str() is one plain sentence."""


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """Messages counted over a reading's interval (increases, not totals)."""

    published: float = 0.0
    delivered: float = 0.0  # to consumers and basic.get, acknowledged or not
    acked: float = 0.0


@dataclass(frozen=True, slots=True)
class QueueDepth:
    ready: int | None = None
    unacked: int | None = None
    consumers: int | None = None


@dataclass(frozen=True, slots=True)
class PrometheusReading:
    """One vhost's counters turned into increases since earlier readings."""

    vhost: str
    read_at: datetime  # UTC, when the endpoint answered
    interval: float | None  # seconds the increases span; None: first reading, no rates yet
    increases: Mapping[str, QueueCounts] = field(hash=False)  # queues that counted something
    depth: Mapping[str, QueueDepth] = field(hash=False)  # every queue the scraped nodes host
    unanswered: tuple[str, ...] = ()  # endpoints of a cluster left out: they did not answer

    def rates(self, queue: str) -> tuple[float, float, float] | None:
        """(publish, deliver, ack) per second; None before a second reading."""
        if self.interval is None or self.interval <= 0:
            return None
        counts = self.increases.get(queue, QueueCounts())
        return (
            counts.published / self.interval,
            counts.delivered / self.interval,
            counts.acked / self.interval,
        )


def prometheus_base_url(management_base_url: str) -> str:
    """The plugin's endpoint on the management API's host: 15692, or 15691 over https."""
    parts = urlsplit(management_base_url)
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    port = TLS_PORT if parts.scheme == "https" else DEFAULT_PORT
    return f"{parts.scheme or 'http'}://{host}:{port}"


SeriesKey = tuple[int, str, tuple[tuple[str, str], ...]]  # (endpoint index, name, labels)
Counters = dict[SeriesKey, tuple[str, str, float]]  # -> (queue, kind, value)


@dataclass(slots=True)
class _VhostHistory:
    at: float  # monotonic time of the last reading
    counters: Counters
    steps: deque[tuple[float, dict[str, list[float]]]] = field(default_factory=deque)


class PrometheusRateReader:
    """Reads one vhost's queue counters per call; rates appear from the second call on.

    Thread-safe; one reader per window (it holds the readings its rates come from).
    """

    def __init__(
        self,
        base_urls: Sequence[str],
        timeout: float = DEFAULT_TIMEOUT,
        window: float = DEFAULT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not base_urls:
            raise ValueError("at least one Prometheus endpoint is needed")
        self.base_urls = tuple(url.rstrip("/") for url in base_urls)
        self.timeout = timeout
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._names: dict[str, str] | None = None  # the generation, once a broker answered
        self._history: dict[str, _VhostHistory] = {}

    def read(self, vhost: str) -> PrometheusReading:
        """Scrape every endpoint for `vhost`; PrometheusUnavailable when none answers."""
        families = _DEPTH_FAMILIES + _counter_families(self._names)
        return self.reading_of(self._fetch_answering(vhost, families), vhost)

    def read_depth(self, vhost: str) -> dict[str, QueueDepth]:
        """Ready, unacked and consumers of `vhost`'s queues, without touching the rates.

        Prometheus has a new queue's counts at once; the management API one emission later."""
        depth: dict[str, dict[str, int]] = {}
        for text in self._fetch_answering(vhost, _DEPTH_FAMILIES):
            for sample in parse_scrape(text or "", _DEPTH).samples:
                _take(sample, 0, vhost, {}, {}, depth)
        return {queue: QueueDepth(**figures) for queue, figures in depth.items()}

    def reading_of(self, texts: Sequence[str | None], vhost: str) -> PrometheusReading:
        """The reading that scraped `texts` (one per endpoint, in order; None for one that did
        not answer) make, now."""
        now, read_at = self._clock(), datetime.now(UTC)
        answered = [text for text in texts if text is not None]
        names = self._names if self._names is not None else _generation(answered)
        wanted = names.keys() | _DEPTH.keys()
        counters: Counters = {}
        depth: dict[str, dict[str, int]] = {}
        for index, text in enumerate(texts):
            for sample in parse_scrape(text or "", wanted).samples:
                _take(sample, index, vhost, names, counters, depth)
        silent = {index for index, text in enumerate(texts) if text is None}
        queue_depth = {queue: QueueDepth(**figures) for queue, figures in depth.items()}
        with self._lock:
            self._names = names
            interval, increases = self._advance(vhost, now, counters, silent)
        unanswered = tuple(self.base_urls[i] for i in sorted(silent) if i < len(self.base_urls))
        return PrometheusReading(vhost, read_at, interval, increases, queue_depth, unanswered)

    def forget(self, vhost: str | None = None) -> None:
        """Drop the readings of `vhost` (all when None): the next read starts over."""
        with self._lock:
            if vhost is None:
                self._history.clear()
            else:
                self._history.pop(vhost, None)

    def _advance(
        self, vhost: str, now: float, counters: Counters, silent: set[int]
    ) -> tuple[float | None, dict[str, QueueCounts]]:
        history = self._history.get(vhost)
        if history is not None and silent:
            # A silent node's series stay as they were: neither gone nor new when it is back.
            for key, series in history.counters.items():
                if key[0] in silent:
                    counters.setdefault(key, series)
        self._history[vhost] = _VhostHistory(now, counters)
        if history is None:
            return None, {}
        steps = history.steps
        steps.append((max(now - history.at, 0.0), _step(history.counters, counters)))
        span = 0.0
        kept: deque[tuple[float, dict[str, list[float]]]] = deque()
        totals: dict[str, list[float]] = {}
        while steps and span < self.window:
            duration, increases = steps.pop()
            kept.appendleft((duration, increases))
            span += duration
            for queue, values in increases.items():
                total = totals.setdefault(queue, [0.0, 0.0, 0.0])
                for i, value in enumerate(values):
                    total[i] += value
        self._history[vhost].steps = kept
        return span, {queue: QueueCounts(*values) for queue, values in totals.items()}

    def _fetch_answering(self, vhost: str, families: Sequence[str]) -> list[str | None]:
        """Each endpoint's text, None for one that did not answer while another did."""
        texts: list[str | None] = []
        failures: list[PrometheusUnavailable] = []
        for url in self.base_urls:
            try:
                texts.append(self._fetch(url, vhost, families))
            except PrometheusUnavailable as exc:
                failures.append(exc)
                texts.append(None)
        if len(failures) == len(self.base_urls):
            raise failures[0]
        for failure in failures:
            log.warning("%s Reading the cluster's other nodes.", failure)
        return texts

    def _fetch(self, base_url: str, vhost: str, families: Sequence[str]) -> str:
        query = "&".join([f"vhost={quote(vhost, safe='')}"] + [f"family={f}" for f in families])
        url = f"{base_url}/metrics/detailed?{query}"
        request = urllib.request.Request(url, headers={"Accept": "text/plain"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return str(response.read().decode("utf-8", errors="replace"))
        except urllib.error.HTTPError as exc:
            exc.close()
            raise PrometheusUnavailable(
                f"The Prometheus endpoint at {base_url} answered HTTP {exc.code}: {exc.reason}."
            ) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            cause = reason if isinstance(reason, BaseException) else exc
            sentence = describe_connect_failure(cause, PROMETHEUS, f" at {base_url}")
            raise PrometheusUnavailable(
                sentence or f"The Prometheus endpoint at {base_url} cannot be reached: {reason}."
            ) from exc


def _counter_families(names: dict[str, str] | None) -> tuple[str, ...]:
    if names is None:  # not known yet which generation the broker speaks: ask for both
        return _MODERN[0] + _LEGACY[0]
    return _MODERN[0] if names is _MODERN[1] else _LEGACY[0]


def _generation(texts: Sequence[str]) -> dict[str, str]:
    """The per-queue counters when the broker declares them (3.13+), else the per-channel."""
    declared: set[str] = set()
    for text in texts:
        declared |= parse_scrape(text, ()).declared
    return _MODERN[1] if declared & _MODERN[1].keys() else _LEGACY[1]


def _take(
    sample: PromSample,
    index: int,
    vhost: str,
    names: Mapping[str, str],
    counters: Counters,
    depth: dict[str, dict[str, int]],
) -> None:
    if (sample.label("vhost") or sample.label("queue_vhost")) != vhost:
        return
    queue = sample.label("queue")
    kind = names.get(sample.name)
    if kind is not None:
        counters[(index, sample.name, sample.labels)] = (queue, kind, sample.value)
        return
    figure = _DEPTH.get(sample.name)
    if figure is not None and sample.value == sample.value:  # NaN: not known
        depth.setdefault(queue, {})[figure] = int(sample.value)


def _step(before: Counters, after: Counters) -> dict[str, list[float]]:
    """Per queue, what each kind of counter rose by between two readings."""
    increases: dict[str, list[float]] = {}
    for key, (queue, kind, value) in after.items():
        previous = before.get(key)
        # A new series counts from zero; a smaller value means the counter was reset.
        rise = value if previous is None or value < previous[2] else value - previous[2]
        if rise > 0:
            increases.setdefault(queue, [0.0, 0.0, 0.0])[_KINDS.index(kind)] += rise
    return increases
