"""Where a broker's management HTTP API is: one base URL per node of a cluster."""

from __future__ import annotations

from urllib.parse import urlsplit

from opsdesk.config.endpoint import BrokerEndpoint, InvalidBrokerURL

DEFAULT_PORT = 15672


class InvalidManagementURL(InvalidBrokerURL):
    """The configured management URL cannot be used."""


def management_base_url(endpoint: BrokerEndpoint, override: str | None = None) -> str:
    """`override`, else the broker's host on port 15672; https when the broker is amqps."""
    return management_base_urls(endpoint, override)[0]


def management_base_urls(endpoint: BrokerEndpoint, override: str | None = None) -> tuple[str, ...]:
    """Each node's API: `override` (a cluster's separated by commas), else every node's host
    on port 15672."""
    if override:
        urls = tuple(_checked(part.strip()) for part in override.split(",") if part.strip())
        if not urls:
            raise InvalidManagementURL(f"management URL must be http(s)://HOST[:PORT]: {override}")
        return urls
    return tuple(_derived(url) for url in endpoint.node_urls())


def _checked(override: str) -> str:
    parts = urlsplit(override)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidManagementURL(f"management URL must be http(s)://HOST[:PORT]: {override}")
    if parts.username is not None:
        # One secret, one place: the broker's password (keyring/env) is used for both.
        raise InvalidManagementURL("the management URL must not carry credentials")
    return override.rstrip("/").removesuffix("/api")


def _derived(broker_url: str) -> str:
    parts = urlsplit(broker_url)
    scheme = "https" if parts.scheme == "amqps" else "http"
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{DEFAULT_PORT}"
