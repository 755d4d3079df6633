"""`opsdesk declare-queue` and `opsdesk publish-test` end to end on the real broker: the
preview, --yes, exit codes, refusals in one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opsdesk.broker.management_api import ManagementClient
from opsdesk.commands import declare_queue, publish_test
from opsdesk.config import Profile
from opsdesk.config.endpoint import BrokerEndpoint
from tests.commands.conftest import Ran, run_command
from tests.conftest import BROKER_URL, BrokerObjects
from tests.operations.conftest import drain, make_profile

pytestmark = pytest.mark.broker


def run(db_path: Path, module: Any, *argv: str, profile: Profile | None = None) -> Ran:
    return run_command(module, *argv, profile=profile or make_profile(), history=db_path)


def arguments(name: str) -> dict[str, Any]:
    entry = ManagementClient(BrokerEndpoint(url=BROKER_URL)).get(
        f"/api/queues/%2F/{name}?columns=type,arguments"
    )
    return {"type": entry["type"], **entry["arguments"]}


def test_declare_queue_previews_declares_and_is_idempotent(
    broker: BrokerObjects, unique_name: str, db_path: Path
) -> None:
    name = broker.track_queue(unique_name + ".parking")
    argv = ("--queue", name, "--argument", "x-max-length=100", "--argument", "x-delivery-limit=3")

    preview = run(db_path, declare_queue, *argv)
    assert preview.code == 1 and "--yes" in preview.err
    assert f"plan: declare durable quorum queue {name!r}" in preview.out
    done = run(db_path, declare_queue, *argv, "--yes")
    assert done.code == 0, done.err
    assert arguments(name) == {
        "type": "quorum",
        "x-queue-type": "quorum",
        "x-max-length": 100,
        "x-delivery-limit": 3,
    }
    again = run(db_path, declare_queue, *argv, "--yes")
    assert again.code == 0 and "exactly these settings: nothing to do" in again.out
    assert "nothing was done" in again.err

    other = run(db_path, declare_queue, "--queue", name, "--argument", "x-max-length=5", "--yes")
    assert other.code == 1
    assert other.err.startswith(f"opsdesk declare-queue: Queue {name!r} already exists with ")
    assert "its x-max-length is 100, not 5" in other.err and "Traceback" not in other.err


def test_declare_queue_options_that_cannot_be_read(db_path: Path) -> None:
    bad = run(
        db_path,
        declare_queue,
        "--queue",
        "q",
        "--type",
        "stream",
        "--argument",
        "x-dead-letter-exchange=dlx",
    )
    assert bad.code == 2
    assert bad.err == (
        "opsdesk declare-queue: A stream queue does not take x-dead-letter-exchange: "
        "RabbitMQ refuses it.\n"
    )


def test_publish_test_routed_exits_0_and_unroutable_exits_1(
    broker: BrokerObjects, unique_name: str, db_path: Path
) -> None:
    exchange = broker.exchange(unique_name + ".x", "topic")
    queue = broker.queue(unique_name + ".q")
    broker.channel.queue_bind(queue, exchange, "test.#")

    routed = run(
        db_path,
        publish_test,
        "--exchange",
        exchange,
        "--routing-key",
        "test.cli",
        "--header",
        "n:=2",
        "--body",
        '{"a": 1}',
        "--yes",
    )
    assert routed.code == 0, routed.err
    assert f"it reaches 1 queue: {exchange} -[test.#]-> {queue}" in routed.out
    (got,) = drain(broker, queue)
    assert got.body == b'{"a": 1}' and got.props.headers["n"] == 2

    returned = run(
        db_path, publish_test, "--exchange", exchange, "--routing-key", "nobody", "--yes"
    )
    assert returned.code == 1
    assert "unroutable" in returned.out and "NO_ROUTE" in returned.out
    assert drain(broker, queue) == []

    read_only = run(
        db_path,
        publish_test,
        "--exchange",
        exchange,
        "--routing-key",
        "test.ro",
        "--yes",
        profile=make_profile(read_only=True),
    )
    assert read_only.code == 1 and "read-only" in read_only.err
    assert drain(broker, queue) == []
