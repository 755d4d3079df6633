"""Connection parameters: passwords stay out of logs, TLS verification cannot be turned off."""

from __future__ import annotations

import ssl

import pytest

from opsdesk.broker.connection import connection_parameters
from opsdesk.config.endpoint import BrokerEndpoint, InvalidBrokerURL, redact_url, vhost_of


def test_plain_url() -> None:
    params = connection_parameters(BrokerEndpoint("amqp://guest:guest@127.0.0.1:5672/%2F"))
    assert (params.host, params.port, params.virtual_host) == ("127.0.0.1", 5672, "/")
    assert params.ssl_options is None
    assert params.blocked_connection_timeout == 60.0


def test_password_from_outside_the_url() -> None:
    params = connection_parameters(BrokerEndpoint("amqp://ops@h/v", password="p@ss:word/"))
    assert params.credentials.username == "ops"
    assert params.credentials.password == "p@ss:word/"


def test_amqps_verifies_certificates(tmp_path) -> None:
    params = connection_parameters(BrokerEndpoint("amqps://ops@rabbit.example:5671/%2F"))
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
