"""An amqps:// profile against a real TLS listener (`scripts/test-cluster tls`).

The test makes its own certificate authority and a certificate for "localhost" signed by it,
and a second authority that signed nothing the broker shows. The desk connects when the
profile's ca_file is the broker's CA, and otherwise refuses in one plain sentence: an
unknown CA, or a host name the certificate was not issued for.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pika
import pytest

from opsdesk.broker.connection import connection_parameters
from opsdesk.commands import collect
from opsdesk.config import resolve_profile
from tests.cluster.conftest import run_script
from tests.commands.conftest import Ran, run_command

pytestmark = pytest.mark.cluster

AMQPS_PORT = 5771  # the script's TLS node
EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclass(frozen=True)
class TlsBroker:
    ca: Path  # signed the broker's certificate
    other_ca: Path  # a CA the broker has nothing to do with


def openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=30)


def make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    openssl(
        "req", "-x509", *EC_KEY, "-days", "1", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign", "-keyout", key, "-out", cert,
    )  # fmt: skip
    return cert, key


def make_server_cert(folder: Path, ca: Path, ca_key: Path) -> tuple[Path, Path]:
    """A certificate for "localhost" (a DNS name only: 127.0.0.1 is not on it)."""
    cert, key, csr = folder / "server.pem", folder / "server.key", folder / "server.csr"
    extensions = folder / "server.ext"
    extensions.write_text("subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n")
    openssl("req", *EC_KEY, "-subj", "/CN=localhost", "-keyout", key, "-out", csr)
    openssl(
        "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
        "-days", "1", "-extfile", extensions, "-out", cert,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsBroker]:
    folder = tmp_path_factory.mktemp("tls")
    ca, ca_key = make_ca(folder, "opsdesk-test-ca")
    other_ca, _ = make_ca(folder, "unknown-ca")
    cert, key = make_server_cert(folder, ca, ca_key)
    run_script("tls", str(ca), str(cert), str(key))
    try:
        yield TlsBroker(ca, other_ca)
    finally:
        run_script("tls-stop", timeout=60)


def profiles_file(folder: Path, host: str, ca: Path) -> Path:
    path = folder / "profiles.toml"
    path.write_text(
        f'[profiles.secure]\nurl = "amqps://guest:guest@{host}:{AMQPS_PORT}/%2F"\n'
        f'ca_file = "{ca}"\n[profiles.secure.tap]\nqueue = "opsdesk.tls.tap"\n'
        "batch_interval = 0.05\nstore_process = false\n"
    )
    return path


def collect_from(folder: Path, host: str, ca: Path, *argv: str) -> Ran:
    profile = resolve_profile("secure", config_path=profiles_file(folder, host, ca))
    return run_command(collect, *argv, profile=profile, history=folder / "history.sqlite")


def test_an_amqps_profile_is_verified_against_its_ca(tls_broker: TlsBroker, tmp_path: Path):
    profile = resolve_profile(
        "secure", config_path=profiles_file(tmp_path, "localhost", tls_broker.ca)
    )
    connection = pika.BlockingConnection(connection_parameters(profile.endpoint))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.exchange_declare("payments.events", "topic", durable=True)
        channel.queue_declare(
            "opsdesk.tls.tap", durable=True, arguments=profile.tap.queue_arguments()
        )
        channel.queue_bind("opsdesk.tls.tap", "payments.events", "#")
        for i in range(5):
            body = json.dumps({"event_id": f"tls-{i}", "type": "payment.succeeded"}).encode()
            channel.basic_publish("payments.events", "payment.succeeded", body, mandatory=True)
    finally:
        connection.close()
    ran = collect_from(tmp_path, "localhost", tls_broker.ca, "--max-events", "5", "--json")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["stored"] == 5


@pytest.mark.parametrize(
    ("host", "which_ca", "sentence"),
    [
        (
            "localhost",
            "other_ca",
            "The broker's TLS certificate at localhost:5771 is not signed by a certificate "
            "authority the profile trusts (set its ca_file to the CA that signed it).",
        ),
        (
            "127.0.0.1",
            "ca",
            "The broker's TLS certificate at 127.0.0.1:5771 was not issued for that host name "
            "(IP address mismatch, certificate is not valid for '127.0.0.1'): use the name on "
            "the certificate in the profile's URL.",
        ),
    ],
    ids=["unknown-ca", "wrong-host-name"],
)
def test_a_certificate_that_does_not_verify_is_refused_in_one_sentence(
    tls_broker: TlsBroker, tmp_path: Path, host: str, which_ca: str, sentence: str
) -> None:
    ran = collect_from(tmp_path, host, getattr(tls_broker, which_ca), "--idle-exit", "0.5")
    assert ran.code == 1
    assert ran.err.strip().endswith(sentence), ran.err
