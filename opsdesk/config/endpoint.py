"""Where a desk connects: the broker endpoint value and what can be read off its URL.

A cluster profile names several nodes: the URL's own node first, then `nodes`, each a
"host:port" that shares the URL's scheme, user, password and virtual host. A desk connects
to the first node that answers, in that order, and follows the others when it loses one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


class InvalidBrokerURL(ValueError):
    """The URL cannot name a RabbitMQ broker."""


@dataclass(frozen=True, slots=True)
class BrokerEndpoint:
    """Where and how to connect. `password` is never persisted by opsdesk."""

    url: str = DEFAULT_URL
    password: str | None = None  # overrides the URL's password (keyring / environment)
    ca_file: str | None = None  # extra CA bundle for amqps://; verification stays on
    heartbeat: int = 30
    blocked_connection_timeout: float = 60.0
    connection_name: str = "opsdesk"
    # The cluster's other nodes as "host:port", tried in this order after the URL's node.
    nodes: tuple[str, ...] = ()

    @property
    def is_cluster(self) -> bool:
        return len(self.node_addresses()) > 1

    def node_addresses(self) -> tuple[str, ...]:
        """ "host:port" of every node, the URL's first, each once."""
        addresses = [self._url_address()]
        for node in self.nodes:
            address = node_address(node, urlsplit(self.url).scheme)
            if address not in addresses:
                addresses.append(address)
        return tuple(addresses)

    def node_urls(self) -> tuple[str, ...]:
        """The URL of every node, in the order a desk tries them."""
        return tuple(_with_address(self.url, address) for address in self.node_addresses())

    def redacted_url(self) -> str:
        """The URL without its password, safe for logs and the status bar; a cluster's as
        `amqp://user@h1:5672,h2:5672/vhost`."""
        url = redact_url(self.url)
        if not self.nodes:
            return url
        parts = urlsplit(url)
        user = parts.netloc.rpartition("@")[0]
        hosts = ",".join(self.node_addresses())
        netloc = f"{user}@{hosts}" if user else hosts
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def host_port(self) -> str:
        """ "host:port" for messages: where the desk tries to connect ("a, b or c")."""
        addresses = self.node_addresses()
        if len(addresses) == 1:
            return addresses[0]
        return f"{', '.join(addresses[:-1])} or {addresses[-1]}"

    def node_label(self, host: str, port: int) -> str:
        """The node at host:port for the status bar: its URL, and which of the cluster's."""
        address = _address(host, port, urlsplit(self.url).scheme)
        url = redact_url(_with_address(self.url, address))
        addresses = self.node_addresses()
        if len(addresses) == 1 or address not in addresses:
            return url
        return f"{url} (node {addresses.index(address) + 1} of {len(addresses)})"

    def _url_address(self) -> str:
        parts = urlsplit(self.url)
        return _address(parts.hostname or "localhost", parts.port, parts.scheme)


def node_address(text: str, scheme: str = "amqp") -> str:
    """ "host:port" from a profile's node entry ("host", "host:port", "[::1]:5672")."""
    if "://" in text or "@" in text or "/" in text:
        raise InvalidBrokerURL(
            f"a node is written host:port (the url gives scheme, user and vhost), not {text!r}"
        )
    try:
        parts = urlsplit(f"//{text}")
        port = parts.port
    except ValueError as exc:
        raise InvalidBrokerURL(f"a node is written host:port, not {text!r}: {exc}") from exc
    if not parts.hostname:
        raise InvalidBrokerURL(f"a node is written host:port, not {text!r}")
    return _address(parts.hostname, port, scheme)


def _address(host: str, port: int | None, scheme: str) -> str:
    default = 5671 if scheme == "amqps" else 5672
    return f"{_bracketed(host)}:{port or default}"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _with_address(url: str, address: str) -> str:
    """`url` with its host and port replaced by `address`, user and password kept."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    netloc = f"{user}@{address}" if user else address
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = _bracketed(parts.hostname or "")
    netloc = f"{user}:***@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "guest"
    host = _bracketed(parts.hostname or "localhost")
    netloc = f"{quote(unquote(user), safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def vhost_of(url: str) -> str:
    path = urlsplit(url).path
    return unquote(path[1:]) if len(path) > 1 else "/"
