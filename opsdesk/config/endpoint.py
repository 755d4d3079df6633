"""Where a desk connects: the broker endpoint value and what can be read off its URL."""

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

    def redacted_url(self) -> str:
        """The URL without its password, safe for logs and the status bar."""
        return redact_url(self.url)

    def host_port(self) -> str:
        """ "host:port" for messages: where the desk tries to connect."""
        parts = urlsplit(self.url)
        default = 5671 if parts.scheme == "amqps" else 5672
        return f"{parts.hostname or 'localhost'}:{parts.port or default}"


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "guest"
    host = parts.hostname or "localhost"
    netloc = f"{quote(unquote(user), safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def vhost_of(url: str) -> str:
    path = urlsplit(url).path
    return unquote(path[1:]) if len(path) > 1 else "/"
