"""Connection parameters: passwords stay out of logs, TLS verification cannot be turned off."""

from __future__ import annotations

import ssl

import pika
import pytest

from opsdesk.broker.connection import connected_node, connection_parameters
from opsdesk.config.endpoint import BrokerEndpoint, InvalidBrokerURL, redact_url, vhost_of
from tests.conftest import BROKER_URL


def test_plain_url() -> None:
    [params] = connection_parameters(BrokerEndpoint("amqp://guest:guest@127.0.0.1:5672/%2F"))
    assert (params.host, params.port, params.virtual_host) == ("127.0.0.1", 5672, "/")
    assert params.ssl_options is None
    assert params.blocked_connection_timeout == 60.0
    assert params.socket_timeout == pika.ConnectionParameters.DEFAULT_SOCKET_TIMEOUT


def test_password_from_outside_the_url() -> None:
    [params] = connection_parameters(BrokerEndpoint("amqp://ops@h/v", password="p@ss:word/"))
    assert params.credentials.username == "ops"
    assert params.credentials.password == "p@ss:word/"


def test_a_cluster_gives_one_set_per_node_with_one_password_and_short_timeouts() -> None:
    endpoint = BrokerEndpoint(
        "amqps://ops@a.example:5671/payments", password="pw", nodes=("b.example", "c.example:5700")
    )
    params = connection_parameters(endpoint)
    assert [(p.host, p.port) for p in params] == [
        ("a.example", 5671),
        ("b.example", 5671),
        ("c.example", 5700),
    ]
    for p in params:
        assert (p.credentials.username, p.credentials.password) == ("ops", "pw")
        assert p.virtual_host == "payments"
        assert p.ssl_options.server_hostname == p.host, "each node's certificate is its own"
        assert p.socket_timeout == 3.0 and p.stack_timeout == 6.0


@pytest.mark.broker
def test_the_node_a_connection_reached_is_named() -> None:
    # The first "node" refuses at once: pika goes on to the next, the real broker.
    endpoint = BrokerEndpoint(
        BROKER_URL.replace(":5672", ":1"), nodes=("127.0.0.1:5672", "127.0.0.1:2")
    )
    connection = pika.BlockingConnection(connection_parameters(endpoint))
    try:
        assert connected_node(connection, endpoint) == (
            "amqp://guest:***@127.0.0.1:5672/%2F (node 2 of 3)"
        )
    finally:
        connection.close()
    assert (
        connected_node(None, endpoint)
        == "amqp://guest:***@127.0.0.1:1,127.0.0.1:5672,127.0.0.1:2/%2F"
    )


def test_amqps_verifies_certificates(tmp_path) -> None:
    [params] = connection_parameters(BrokerEndpoint("amqps://ops@rabbit.example:5671/%2F"))
    context = params.ssl_options.context
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert params.ssl_options.server_hostname == "rabbit.example"


def test_amqps_with_missing_ca_file_fails_loudly(tmp_path) -> None:
    with pytest.raises(OSError):
        connection_parameters(
            BrokerEndpoint("amqps://h/%2F", ca_file=str(tmp_path / "missing.pem"))
        )


def test_other_schemes_refused() -> None:
    with pytest.raises(InvalidBrokerURL, match="amqp://"):
        connection_parameters(BrokerEndpoint("http://h/"))


def test_redaction_and_vhost() -> None:
    assert redact_url("amqp://u:secret@h:5672/%2F") == "amqp://u:***@h:5672/%2F"
    assert redact_url("amqp://h/") == "amqp://h/"
    assert vhost_of("amqp://h/%2F") == "/"
    assert vhost_of("amqp://h/payments") == "payments"
    assert vhost_of("amqp://h") == "/"
    assert redact_url("amqp://u:secret@[::1]:5672/%2F") == "amqp://u:***@[::1]:5672/%2F"
