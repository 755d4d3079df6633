"""`opsdesk consumers` against the real broker: a table for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.commands import consumers
from tests.commands.conftest import Ran, run_command
from tests.conftest import BROKER_URL, BrokerObjects, poll_until
from tests.monitor_profile import monitor_profile

pytestmark = pytest.mark.broker


def run(*argv: str, api: bool = True) -> Ran:
    return run_command(
        consumers, *argv, profile=monitor_profile(api=api), history=Path("unused.sqlite")
    )


@pytest.fixture
def worker(unique_name: str) -> Iterator[BlockingConnection]:
    parameters = pika.URLParameters(BROKER_URL)
    parameters.client_properties = {"connection_name": f"{unique_name}.worker"}
    connection = pika.BlockingConnection(parameters)
    try:
        yield connection
    finally:
        connection.close()


def test_consumers_table_and_json(
    broker: BrokerObjects, unique_name: str, worker: BlockingConnection
) -> None:
    queue = broker.queue(unique_name)
    channel = worker.channel()
    channel.basic_qos(prefetch_count=11)
    channel.basic_consume(queue, lambda *_: None, consumer_tag="settle-1")
    ran: list[Ran] = []

    def listed() -> bool:
        ran[:] = [run("--queue", queue, "--json")]
        if ran[0].code != 0:
            return False
        # The consumer is listed before its channel's details: those come with the broker's
        # next statistics emission (~5 s later).
        return all(c["channel_number"] is not None for c in json.loads(ran[0].out)["consumers"])

    poll_until(listed, 20.0, f"the consumer was never listed: {ran}")
    (consumer,) = json.loads(ran[0].out)["consumers"]
    assert consumer["client_connection_name"] == f"{unique_name}.worker"
    assert (consumer["consumer_tag"], consumer["prefetch"], consumer["ack_required"]) == (
        "settle-1",
        11,
        True,
    )
    assert consumer["connected_at"] is not None

    table = run("--queue", queue)
    assert table.code == 0, table.err
    header, row, footer = table.out.splitlines()
    assert header.split()[:4] == ["CONNECTION", "PEER", "CHANNEL", "TAG"]
    assert row.split()[:6] == [
        f"{unique_name}.worker",
        row.split()[1],
        "1",
        "settle-1",
        "11",
        "manual",
    ]
    assert row.split()[1].startswith("127.0.0.1:")
    assert footer.startswith("as of ")


def test_a_queue_nobody_consumes_exits_1(broker: BrokerObjects, unique_name: str) -> None:
    queue = broker.queue(unique_name)
    ran = run("--queue", queue)
    assert (ran.code, ran.out) == (1, "")
    assert ran.err == f"opsdesk: nobody consumes queue '{queue}' in vhost '/'\n"


def test_a_missing_queue_or_no_api_exits_2(unique_name: str) -> None:
    missing = run("--queue", f"{unique_name}.missing")
    assert (missing.code, missing.out) == (2, "")
    assert missing.err == f"opsdesk: queue '{unique_name}.missing' does not exist in vhost '/'\n"

    unreachable = run("--queue", "anything", api=False)
    assert (unreachable.code, unreachable.out) == (2, "")
    assert unreachable.err.startswith("opsdesk: Nothing answers at http://127.0.0.1:")
    assert unreachable.err.count("\n") == 1
