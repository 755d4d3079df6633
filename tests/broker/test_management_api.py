"""The management API client against the real broker's management plugin (and a real TLS peer)."""

from __future__ import annotations

import http.server
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsdesk.broker.management_api import (
    InvalidManagementURL,
    ManagementClient,
    ManagementNotFound,
    ManagementRefused,
    ManagementUnreachable,
    find_dead_letter_queues,
    management_base_url,
    queue_info,
)
from opsdesk.broker.monitor_failure_text import describe_management_failure
from opsdesk.config.endpoint import BrokerEndpoint
from tests.conftest import BROKER_URL, BrokerObjects

pytestmark = pytest.mark.broker


@pytest.mark.parametrize(
    ("url", "override", "expected"),
    [
        ("amqp://guest:guest@127.0.0.1:5672/%2F", None, "http://127.0.0.1:15672"),
        ("amqps://ops@rabbit.example.com:5671/payments", None, "https://rabbit.example.com:15672"),
        ("amqp://[::1]:5672/", None, "http://[::1]:15672"),
        (
            "amqp://localhost/",
            "https://mgmt.example.com/rabbitmq/api/",
            "https://mgmt.example.com/rabbitmq",
        ),
        ("amqp://localhost/", "http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ],
)
def test_base_url_follows_the_broker_unless_configured(
    url: str, override: str | None, expected: str
) -> None:
    assert management_base_url(BrokerEndpoint(url=url), override) == expected


@pytest.mark.parametrize("override", ["ftp://host/", "http://ops:secret@host:15672/", "host:15672"])
def test_unusable_management_url_is_rejected(override: str) -> None:
    with pytest.raises(InvalidManagementURL):
        ManagementClient(BrokerEndpoint(), override)


def test_password_from_endpoint_overrides_the_url() -> None:
    endpoint = BrokerEndpoint(url="amqp://guest:wrong@127.0.0.1:5672/%2F", password="guest")
    assert isinstance(ManagementClient(endpoint).queues(), list)


def test_wrong_credentials_are_refused_not_crashed() -> None:
    endpoint = BrokerEndpoint(url="amqp://guest:wrong@127.0.0.1:5672/%2F")
    with pytest.raises(ManagementRefused) as caught:
        ManagementClient(endpoint).queues()
    assert caught.value.status == 401
    assert describe_management_failure(caught.value) == (
        "The management API at http://127.0.0.1:15672 refused the user name or password."
    )


def test_closed_port_is_unreachable() -> None:
    port = _free_port()
    client = ManagementClient(BrokerEndpoint(url=BROKER_URL), f"http://127.0.0.1:{port}")
    with pytest.raises(ManagementUnreachable) as caught:
        client.queues()
    assert describe_management_failure(caught.value) == (
        f"Nothing answers at http://127.0.0.1:{port}: the connection was refused (is the "
        "rabbitmq_management plugin enabled, and is the management URL right?)."
    )


def test_silent_peer_times_out_quickly() -> None:
    # Accepts the TCP connection (backlog) but never answers: a firewall-ish black hole.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        client = ManagementClient(BrokerEndpoint(), f"http://127.0.0.1:{port}", timeout=0.3)
        started = time.monotonic()
        with pytest.raises(ManagementUnreachable) as caught:
            client.queues()
        assert time.monotonic() - started < 2.0
    assert describe_management_failure(caught.value) == (
        f"The management API at http://127.0.0.1:{port} did not answer in time"
        " (network, firewall or busy)."
    )


def test_missing_queue_and_missing_vhost_are_not_found(unique_name: str) -> None:
    client = ManagementClient(BrokerEndpoint(url=BROKER_URL))
    with pytest.raises(ManagementNotFound) as caught:
        client.queue(unique_name)
    assert caught.value.status == 404
    with pytest.raises(ManagementNotFound) as caught:
        ManagementClient(BrokerEndpoint(url=f"amqp://guest:guest@127.0.0.1/{unique_name}")).queues()
    assert describe_management_failure(caught.value) == (
        "The management API at http://127.0.0.1:15672 has no such virtual host or queue"
        " (Not Found)."
    )


def test_queue_entry_names_a_queue_with_odd_characters(
    broker: BrokerObjects, unique_name: str
) -> None:
    name = broker.queue(f"{unique_name}/with space#and?")
    entry = ManagementClient(BrokerEndpoint(url=BROKER_URL)).queue(name)
    assert entry["name"] == name
    assert entry["durable"] is True


def test_parking_queue_found_by_its_binding_not_its_name(
    broker: BrokerObjects, unique_name: str
) -> None:
    dlx = broker.exchange(f"{unique_name}.parking-x", "fanout")
    parking = broker.queue(f"{unique_name}.parking")  # no conventional DLQ name
    broker.channel.queue_bind(parking, dlx)
    work = broker.queue(f"{unique_name}.work", **{"x-dead-letter-exchange": dlx})
    retry = broker.queue(f"{unique_name}.retry-bin")
    direct = broker.queue(
        f"{unique_name}.direct",
        **{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": retry},
    )
    broken = broker.queue(
        f"{unique_name}.broken", **{"x-dead-letter-exchange": f"{unique_name}.nowhere"}
    )
    client = ManagementClient(BrokerEndpoint(url=BROKER_URL))
    entries = [e for e in client.queues() if e["name"].startswith(unique_name)]
    assert len(entries) == 5

    targets, problems = find_dead_letter_queues(client, entries)

    assert targets == {parking, retry}
    assert [(p.queue, p.reason) for p in problems] == [(broken, "dead_letter_exchange_missing")]
    infos = {e["name"]: queue_info(e, targets) for e in entries}
    assert infos[parking].is_dead_letter and infos[retry].is_dead_letter
    assert not infos[work].is_dead_letter and not infos[direct].is_dead_letter
    assert infos[work].dead_letter_exchange == dlx
    assert infos[direct].dead_letter_exchange == ""
    assert infos[direct].dead_letter_routing_key == retry


def test_queue_info_reads_type_and_delivery_limit(broker: BrokerObjects, unique_name: str) -> None:
    name = broker.queue(unique_name, **{"x-queue-type": "quorum", "x-delivery-limit": 5})
    entry = ManagementClient(BrokerEndpoint(url=BROKER_URL)).queue(name)
    info = queue_info(entry, set())
    assert (info.type, info.delivery_limit, info.durable) == ("quorum", 5, True)
    assert info.arguments["x-queue-type"] == "quorum"


def test_a_web_server_that_is_not_the_api_is_named_as_such() -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>a login page</html>")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="html-peer")
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(ManagementUnreachable) as caught:
            ManagementClient(BrokerEndpoint(url=BROKER_URL), url).queues()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert describe_management_failure(caught.value) == (
        f"The server at {url} answered, but not as the RabbitMQ management API"
        " (check the profile's management_url)."
    )


# -- TLS: certificate verification stays on ------------------------------------------------


@pytest.fixture
def tls_peer(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server with a self-signed certificate for 127.0.0.1, answering `[]`."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, format: str, *args: object) -> None:
            pass

    class QuietServer(http.server.HTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the refused handshake is the point of one test

    server = QuietServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="tls-peer")
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", cert
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_https_verifies_the_certificate(tls_peer: tuple[str, Path]) -> None:
    url, cert = tls_peer
    with pytest.raises(ManagementUnreachable, match="CERTIFICATE_VERIFY_FAILED") as caught:
        ManagementClient(BrokerEndpoint(url=BROKER_URL), url).queues()
    assert describe_management_failure(caught.value) == (
        f"The management API's TLS certificate at {url} is not signed by a certificate "
        "authority the profile trusts (set its ca_file to the CA that signed it)."
    )
    trusted = BrokerEndpoint(url=BROKER_URL, ca_file=str(cert))
    assert ManagementClient(trusted, url).queues() == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_exchange_type_of_an_exchange_and_of_none(broker: BrokerObjects, unique_name: str) -> None:
    direct = broker.exchange(unique_name + ".direct", "direct")
    client = ManagementClient(BrokerEndpoint(url=BROKER_URL))
    assert client.exchange_type(direct) == "direct"
    assert client.exchange_type(unique_name + ".absent") is None
