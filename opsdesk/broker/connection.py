"""Connection parameters for pika: URL, password from outside the URL, TLS with verification.

A cluster profile gives one set of parameters per node, in the profile's order: pika's
BlockingConnection takes the list and connects to the first node that answers, so every
connection the desk opens (tap, monitor, operations) fails over the same way.
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import pika
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.pika_compat import connected_parameters
from opsdesk.config.endpoint import BrokerEndpoint, InvalidBrokerURL, with_password

# On a cluster, a node that does not answer is passed over quickly for the next one: a desk
# must be back on another node within seconds. (pika's defaults: 10 s and 15 s.)
CLUSTER_SOCKET_TIMEOUT = 3.0  # TCP connect
CLUSTER_STACK_TIMEOUT = 6.0  # TCP, TLS and the AMQP handshake together


def connection_parameters(endpoint: BrokerEndpoint) -> list[pika.URLParameters]:
    """pika parameters for each node of `endpoint` (one for a single broker), in order;
    amqps:// always verifies the server certificate."""
    return [_node_parameters(endpoint, url) for url in endpoint.node_urls()]


def connected_node(connection: BlockingConnection | None, endpoint: BrokerEndpoint) -> str:
    """Which node `connection` is on, for the status bar ("amqp://u@h:5672/%2F (node 2 of 3)");
    the endpoint's URL (every node of a cluster) when there is no connection."""
    params = connected_parameters(connection) if connection is not None else None
    if params is None:
        return endpoint.redacted_url()
    return endpoint.node_label(str(params.host), int(params.port))


def _node_parameters(endpoint: BrokerEndpoint, url: str) -> pika.URLParameters:
    if endpoint.password is not None:
        url = with_password(url, endpoint.password)
    elif urlsplit(url).username and urlsplit(url).password is None:
        url = with_password(url, "")  # pika cannot parse a user without a password
    scheme = urlsplit(url).scheme
    if scheme not in ("amqp", "amqps"):
        raise InvalidBrokerURL(f"unsupported broker URL scheme {scheme!r}: use amqp:// or amqps://")
    params = pika.URLParameters(url)
    params.heartbeat = endpoint.heartbeat
    params.blocked_connection_timeout = endpoint.blocked_connection_timeout
    params.client_properties = {"connection_name": endpoint.connection_name}
    if endpoint.is_cluster:
        params.socket_timeout = CLUSTER_SOCKET_TIMEOUT
        params.stack_timeout = CLUSTER_STACK_TIMEOUT
    if scheme == "amqps":
        # Built here rather than from URL query options so verification can't be switched off
        # by a URL parameter.
        context = ssl.create_default_context(cafile=endpoint.ca_file)
        context.check_hostname = True
        context.verify_mode = ssl.CERT_REQUIRED
        params.ssl_options = pika.SSLOptions(context, server_hostname=urlsplit(url).hostname)
    return params
