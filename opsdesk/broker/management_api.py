"""A small client for the RabbitMQ management HTTP API (urllib only) and its JSON shapes.

On a cluster every node serves the API: the client reads from one, and when it does not
answer (refused, silent, not the API) tries the others in turn and stays on the one that
answered. An HTTP error is the API's answer, and is not retried elsewhere.
"""

from __future__ import annotations

import base64
import json
import logging
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote, urlsplit

# Where the API is lives in management_urls; these names are still imported from here.
from opsdesk.broker.management_urls import InvalidManagementURL as InvalidManagementURL
from opsdesk.broker.management_urls import management_base_url as management_base_url
from opsdesk.broker.management_urls import management_base_urls
from opsdesk.broker.queue_sample import (
    QueueInfo,
    QueueProblem,
    QueueSample,
    looks_like_dead_letter,
)
from opsdesk.config.endpoint import BrokerEndpoint, vhost_of

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 3.0  # seconds; the monitor falls back to AMQP rather than wait
# Only what we read: a full queue object carries GC and backing-queue internals (~2 kB each).
_QUEUE_COLUMNS = ",".join(
    (
        "name",
        "vhost",
        "durable",
        "type",
        "arguments",
        "effective_policy_definition",
        "messages_ready",
        "messages_unacknowledged",
        "consumers",
        "message_stats",
    )
)


class ManagementError(Exception):
    """The management API did not answer usefully; `status` is the HTTP status if any.

    `url` is the API's base URL, `cause` the OS / TLS error under an unreachable API and
    `reason` the API's own words for an HTTP error: monitor_failure_text makes a sentence.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        *,
        url: str = "",
        cause: BaseException | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.cause = cause
        self.reason = reason


class ManagementUnreachable(ManagementError):
    """No answer: connection refused, timeout, TLS failure, or not the management API."""


class ManagementRefused(ManagementError):
    """401/403: wrong credentials, or the user lacks the `monitoring` (or higher) tag."""


class ManagementNotFound(ManagementError):
    """404: the queue (or vhost) does not exist."""


def _credentials(endpoint: BrokerEndpoint) -> tuple[str, str]:
    """The broker's credentials, resolved as pika resolves them (no user: guest/guest)."""
    parts = urlsplit(endpoint.url)
    if parts.username is None:
        return "guest", endpoint.password if endpoint.password is not None else "guest"
    user = unquote(parts.username)
    if endpoint.password is not None:
        return user, endpoint.password
    return user, unquote(parts.password or "")


class ManagementClient:
    """GETs against one vhost; every expected failure is a ManagementError, never a crash.

    `base_url` is the node read last (the first until one fails); `base_urls` every node."""

    def __init__(
        self,
        endpoint: BrokerEndpoint,
        management_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_urls = management_base_urls(endpoint, management_url)
        self._current = 0  # the node that answered last
        self.vhost = vhost_of(endpoint.url)
        self.timeout = timeout
        user, password = _credentials(endpoint)
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self._authorization = f"Basic {token}"
        handlers: list[urllib.request.BaseHandler] = []
        if any(url.startswith("https:") for url in self.base_urls):
            context = ssl.create_default_context(cafile=endpoint.ca_file)  # verifies the peer
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._opener = urllib.request.build_opener(*handlers)

    @property
    def base_url(self) -> str:
        return self.base_urls[self._current]

    def queues(self) -> list[dict[str, Any]]:
        """Every queue of the vhost (a missing vhost is ManagementNotFound)."""
        result = self._get(f"/api/queues/{self._vh()}?columns={_QUEUE_COLUMNS}")
        if not isinstance(result, list):
            raise self._not_the_api("unexpected answer to the queue list")
        return [entry for entry in result if isinstance(entry, dict)]

    def queue(self, name: str) -> dict[str, Any]:
        result = self._get(
            f"/api/queues/{self._vh()}/{quote(name, safe='')}?columns={_QUEUE_COLUMNS}"
        )
        if not isinstance(result, dict):
            raise self._not_the_api(f"unexpected answer for queue {name!r}")
        return result

    def exchange_names(self) -> set[str]:
        result = self._get(f"/api/exchanges/{self._vh()}?columns=name")
        return {e["name"] for e in result if isinstance(e, dict) and "name" in e}

    def exchange_type(self, exchange: str) -> str | None:
        """ "topic", "direct", ... of `exchange`; None when it does not exist."""
        try:
            entry = self._get(f"/api/exchanges/{self._vh()}/{quote(exchange, safe='')}")
        except ManagementNotFound:
            return None
        return str(entry.get("type")) if isinstance(entry, dict) and entry.get("type") else None

    def bindings_from(self, exchange: str) -> list[dict[str, Any]]:
        """Bindings whose source is `exchange` (an empty list when it does not exist)."""
        result = self._get(
            f"/api/exchanges/{self._vh()}/{quote(exchange, safe='')}/bindings/source"
        )
        return [b for b in result if isinstance(b, dict)] if isinstance(result, list) else []

    def get(self, path: str) -> Any:
        """The decoded JSON answer to GET `path` (e.g. "/api/nodes"); ManagementError if none.

        For readers of other API resources (broker/*.py); quote names with `segment`.
        """
        return self._get(path)

    @property
    def vhost_segment(self) -> str:
        """The vhost, quoted for a path."""
        return self._vh()

    def _vh(self) -> str:
        return quote(self.vhost, safe="")

    def _get(self, path: str) -> Any:
        """From the node that answered last, else from the next that answers."""
        first = self._current
        failure: ManagementUnreachable | None = None
        for step in range(len(self.base_urls)):
            index = (first + step) % len(self.base_urls)
            try:
                answer = self._get_from(self.base_urls[index], path)
            except ManagementUnreachable as exc:
                failure = failure or exc
                continue
            if index != first:
                log.info(
                    "management API: %s did not answer; reading from %s",
                    self.base_urls[first],
                    self.base_urls[index],
                )
                self._current = index
            return answer
        assert failure is not None
        if len(self.base_urls) == 1:
            raise failure
        every = ", ".join(self.base_urls)
        raise ManagementUnreachable(
            f"{every}: {failure}", url=every, cause=failure.cause, reason=failure.reason
        ) from failure

    def _get_from(self, base_url: str, path: str) -> Any:
        url = base_url + path
        request = urllib.request.Request(
            url, headers={"Authorization": self._authorization, "Accept": "application/json"}
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise _http_error(base_url, exc) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            cause = reason if isinstance(reason, BaseException) else exc
            raise ManagementUnreachable(f"{base_url}: {reason}", url=base_url, cause=cause) from exc
        try:
            return json.loads(body)
        except ValueError as exc:
            raise _not_the_api(base_url, "answer is not JSON") from exc

    def _not_the_api(self, what: str) -> ManagementUnreachable:
        return _not_the_api(self.base_url, what)


def _not_the_api(base_url: str, what: str) -> ManagementUnreachable:
    return ManagementUnreachable(f"{base_url}: {what}", url=base_url, reason=what)


def _http_error(base_url: str, exc: urllib.error.HTTPError) -> ManagementError:
    try:
        detail = json.loads(exc.read()).get("reason") or exc.reason
    except (ValueError, AttributeError, OSError):
        detail = exc.reason
    message = f"{base_url}: {exc.code} {detail}"
    exc.close()
    kind = ManagementError
    if exc.code in (401, 403):
        kind = ManagementRefused
    elif exc.code == 404:
        kind = ManagementNotFound
    return kind(message, exc.code, url=base_url, reason=str(detail))


# -- the API's JSON → our values -----------------------------------------------------------


def _mapping(entry: dict[str, Any], key: str) -> dict[str, Any]:
    # Older brokers encode an empty Erlang proplist as `[]` rather than `{}`.
    value = entry.get(key)
    return value if isinstance(value, dict) else {}


def _setting(entry: dict[str, Any], argument: str, policy_key: str) -> Any:
    """A queue argument, else the same setting from its effective policy."""
    arguments = _mapping(entry, "arguments")
    if argument in arguments:
        return arguments[argument]
    return _mapping(entry, "effective_policy_definition").get(policy_key)


def dead_letter_route(entry: dict[str, Any]) -> tuple[str, str | None] | None:
    """(exchange, routing key) this queue dead-letters to, or None."""
    exchange = _setting(entry, "x-dead-letter-exchange", "dead-letter-exchange")
    if exchange is None:
        return None
    key = _setting(entry, "x-dead-letter-routing-key", "dead-letter-routing-key")
    return str(exchange), None if key is None else str(key)


def find_dead_letter_queues(
    client: ManagementClient, entries: Iterable[dict[str, Any]]
) -> tuple[set[str], list[QueueProblem]]:
    """Queues some queue's dead-letter exchange routes to; problems for missing exchanges."""
    routes: dict[str, list[tuple[str, str | None]]] = {}
    for entry in entries:
        if route := dead_letter_route(entry):
            routes.setdefault(route[0], []).append((str(entry.get("name", "")), route[1]))
    targets: set[str] = set()
    problems: list[QueueProblem] = []
    for _origin, key in routes.pop("", []):
        # The default exchange routes by queue name; without a key the message keeps its own.
        if key:
            targets.add(key)
    if not routes:
        return targets, problems
    existing = client.exchange_names()
    for exchange, origins in sorted(routes.items()):
        if exchange not in existing:
            # The broker silently drops what these queues dead-letter: the operator must know.
            for origin, _ in origins:
                problems.append(
                    QueueProblem(
                        origin,
                        "dead_letter_exchange_missing",
                        f"dead-letter exchange {exchange!r} does not exist: "
                        "dead-lettered messages are dropped",
                    )
                )
            continue
        targets |= _queues_reached(client, exchange)
    return targets, problems


def _queues_reached(client: ManagementClient, exchange: str, depth: int = 3) -> set[str]:
    """Queues bound to `exchange`, following exchange-to-exchange bindings a few hops."""
    queues: set[str] = set()
    seen = {exchange}
    frontier = [exchange]
    for _ in range(depth):
        following = []
        for source in frontier:
            for binding in client.bindings_from(source):
                destination = str(binding.get("destination", ""))
                if binding.get("destination_type") == "queue":
                    queues.add(destination)
                elif destination not in seen:
                    seen.add(destination)
                    following.append(destination)
        frontier = following
    return queues


def queue_info(entry: dict[str, Any], dead_letter_queues: set[str]) -> QueueInfo:
    name = str(entry.get("name", ""))
    route = dead_letter_route(entry)
    limit = _setting(entry, "x-delivery-limit", "delivery-limit")
    return QueueInfo(
        name=name,
        vhost=str(entry.get("vhost", "")),
        durable=bool(entry.get("durable", False)),
        type=str(entry.get("type") or "classic"),
        arguments=dict(_mapping(entry, "arguments")),
        dead_letter_exchange=route[0] if route else None,
        dead_letter_routing_key=route[1] if route else None,
        delivery_limit=limit if isinstance(limit, int) else None,
        is_dead_letter=name in dead_letter_queues or looks_like_dead_letter(name),
    )


def queue_sample(
    entry: dict[str, Any], taken_at: str, vhost: str, is_dead_letter: bool
) -> QueueSample | None:
    """The sample in `entry`; None while the broker has not published stats (new queue)."""
    ready = entry.get("messages_ready")
    if not isinstance(ready, int):
        return None
    stats = _mapping(entry, "message_stats")
    return QueueSample(
        taken_at=taken_at,
        vhost=vhost,
        queue=str(entry.get("name", "")),
        messages_ready=ready,
        messages_unacked=int(entry.get("messages_unacknowledged") or 0),
        consumers=int(entry.get("consumers") or 0),
        publish_rate=_rate(stats, "publish"),
        deliver_rate=_rate(stats, "deliver_get"),
        ack_rate=_rate(stats, "ack"),
        is_dead_letter=is_dead_letter,
        source="management",
    )


def _rate(stats: dict[str, Any], name: str) -> float:
    # No `<name>_details` yet means nothing of that kind has happened: a rate of zero.
    details = _mapping(stats, f"{name}_details")
    return float(details.get("rate") or 0.0)
