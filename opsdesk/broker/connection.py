"""Connection parameters for pika: URL, password from outside the URL, TLS with verification."""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import pika

from opsdesk.config.endpoint import BrokerEndpoint, InvalidBrokerURL, with_password


def connection_parameters(endpoint: BrokerEndpoint) -> pika.URLParameters:
    """pika parameters for `endpoint`; amqps:// always verifies the server certificate."""
    url = endpoint.url
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
    if scheme == "amqps":
        # Built here rather than from URL query options so verification can't be switched off
        # by a URL parameter.
        context = ssl.create_default_context(cafile=endpoint.ca_file)
        context.check_hostname = True
        context.verify_mode = ssl.CERT_REQUIRED
        params.ssl_options = pika.SSLOptions(context, server_hostname=urlsplit(url).hostname)
    return params
