"""The queue overview against the real broker: classic, quorum and stream queues with the
figures the broker reports, their dead-letter wiring and policy; and 5,000 queues parsed fast."""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opsdesk.broker.management_api import ManagementClient, ManagementNotFound
from opsdesk.broker.queue_overview import (
    QueueOverviewReader,
    list_vhosts,
    read_queue_entries,
)
from opsdesk.broker.queue_overview_values import QueueOverview, QueueRow, filter_rows
from opsdesk.config.endpoint import BrokerEndpoint
from tests.conftest import BROKER_URL, BrokerObjects, poll_until

API = "http://127.0.0.1:15672"


def api_request(method: str, path: str, body: dict[str, Any] | None = None) -> None:
    request = urllib.request.Request(
        API + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": "Basic " + base64.b64encode(b"guest:guest").decode(),
            "Content-Type": "application/json",
        },
    )
    urllib.request.urlopen(request, timeout=5).close()


@pytest.fixture
def client() -> ManagementClient:
    return ManagementClient(BrokerEndpoint(url=BROKER_URL))


@pytest.fixture
def dead_letter_policy(unique_name: str) -> Iterator[str]:
    """A policy that dead-letters `<unique_name>.quorum` only; removed afterwards."""
    name = f"{unique_name}.policy"
    path = f"/api/policies/%2F/{urllib.request.quote(name, safe='')}"
    definition = {"dead-letter-exchange": "parking", "dead-letter-routing-key": "parked"}
    pattern = f"^{re.escape(unique_name)}\\.quorum$"
    api_request("PUT", path, {"pattern": pattern, "definition": definition, "apply-to": "queues"})
    try:
        yield name
    finally:
        api_request("DELETE", path)


@pytest.mark.broker
def test_overview_lists_all_three_types_with_the_brokers_figures(
    broker: BrokerObjects, unique_name: str, client: ManagementClient, dead_letter_policy: str
) -> None:
    classic = broker.queue(
        f"{unique_name}.classic",
        **{"x-dead-letter-exchange": "payments.dlx", "x-dead-letter-routing-key": "failed"},
    )
    quorum = broker.queue(f"{unique_name}.quorum", **{"x-queue-type": "quorum"})
    stream = broker.queue(f"{unique_name}.stream", **{"x-queue-type": "stream"})
    for queue in (classic, quorum, stream):
        for i in range(5):
            broker.publish("", queue, f"m{i}".encode())
    broker.channel.basic_qos(prefetch_count=2)
    broker.channel.basic_consume(classic, lambda *_: None)  # holds 2 deliveries unacked
    reader = QueueOverviewReader(client)
    expected = {
        classic: ("classic", 3, 2, 5, 1),
        quorum: ("quorum", 5, 0, 5, 0),
        stream: ("stream", 5, 0, 5, 0),
    }
    rows: dict[str, QueueRow] = {}

    def figures_reported() -> bool:
        broker.connection.process_data_events(0)
        overview = reader.read()
        rows.clear()
        rows.update((r.name, r) for r in overview.rows if r.name in expected)
        seen = {n: (r.type, r.ready, r.unacked, r.total, r.consumers) for n, r in rows.items()}
        return seen == expected and rows[quorum].dead_letter_exchange is not None

    # The management API's statistics lag by one emission (5 s by default).
    poll_until(figures_reported, 15.0, f"the overview never showed {expected}: {rows}")

    assert {r.state for r in rows.values()} == {"running"}
    assert all(r.rates.source == "management" for r in rows.values())
    assert rows[classic].dead_letter_exchange == "payments.dlx"
    assert rows[classic].dead_letter_routing_key == "failed"
    assert rows[classic].consumer_utilisation is not None
    assert (rows[quorum].dead_letter_exchange, rows[quorum].policy) == (
        "parking",
        dead_letter_policy,
    )
    assert rows[quorum].dead_letter_routing_key == "parked"
    assert rows[stream].dead_letter_exchange is None and rows[stream].policy is None
    assert all(r.durable and not r.auto_delete and not r.exclusive for r in rows.values())
    now = datetime.now(UTC)
    assert all(timedelta(0) <= now - r.read_at < timedelta(seconds=15) for r in rows.values())


@pytest.mark.broker
def test_filters_by_substring_or_regex(
    broker: BrokerObjects, unique_name: str, client: ManagementClient
) -> None:
    orders = broker.queue(f"{unique_name}.Orders.dlq")
    refunds = broker.queue(f"{unique_name}.refunds")
    overview = QueueOverviewReader(client).read("/")
    names = {r.name for r in overview.rows}
    assert {orders, refunds} <= names

    assert [r.name for r in overview.matching(f"{unique_name}.orders").rows] == [orders]
    pattern = re.escape(unique_name) + r"\.(orders|refunds)$"
    assert [r.name for r in overview.matching(pattern, regex=True).rows] == [refunds]
    assert overview.matching("").rows == overview.rows
    with pytest.raises(re.error):
        overview.matching("([", regex=True)


@pytest.mark.broker
def test_vhosts_and_a_missing_vhost(client: ManagementClient) -> None:
    assert "/" in list_vhosts(client)
    with pytest.raises(ManagementNotFound):
        QueueOverviewReader(client).read("no-such-vhost-for-opsdesk")


@pytest.mark.broker
def test_a_paged_answer_is_followed(
    broker: BrokerObjects, unique_name: str, client: ManagementClient
) -> None:
    mine = {broker.queue(f"{unique_name}.{i}") for i in range(7)}
    # Pages of 3: the reader follows them to the last.
    paged = read_queue_entries(client, "/", "name", page_size=3)
    names = [e["name"] for e in paged]
    assert mine <= set(names)
    assert len(names) == len(set(names))


# -- 5,000 queues ------------------------------------------------------------------------------


def synthetic_entries(count: int) -> list[dict[str, Any]]:
    """Queue entries shaped as the API answers the overview's columns."""
    kinds = ("classic", "quorum", "stream")
    return [
        {
            "name": f"payments.{i:05d}",
            "vhost": "/",
            "type": kinds[i % 3],
            "state": "running",
            "durable": True,
            "auto_delete": False,
            "exclusive": False,
            "arguments": {"x-queue-type": kinds[i % 3], "x-dead-letter-exchange": "dlx"},
            "policy": None,
            "operator_policy": None,
            "effective_policy_definition": {},
            "messages_ready": i,
            "messages_unacknowledged": i % 7,
            "messages": i + i % 7,
            "consumers": i % 4,
            "consumer_capacity": 1.0,
            "consumer_utilisation": 1.0,
            "message_stats": {
                "publish_details": {"rate": 1.5},
                "deliver_get_details": {"rate": 1.0},
                "ack_details": {"rate": 0.5},
            },
        }
        for i in range(count)
    ]


def test_five_thousand_queues_are_read_and_filtered_quickly() -> None:
    body = json.dumps(synthetic_entries(5000))
    reader = QueueOverviewReader(ManagementClient(BrokerEndpoint(url=BROKER_URL)))

    started = time.perf_counter()
    overview: QueueOverview = reader.overview_of(json.loads(body), "/", datetime.now(UTC))
    matched = filter_rows(overview.rows, r"\.0[0-4]\d[05]0$", regex=True)
    elapsed = time.perf_counter() - started

    assert len(overview.rows) == 5000
    assert len(matched) == 100
    row = overview.rows[4999]
    assert (row.ready, row.unacked, row.total, row.rates.publish) == (4999, 1, 5000, 1.5)
    # ~0.1 s measured here; generous for a busy CI machine.
    assert elapsed < 2.0, f"{elapsed:.2f} s for 5,000 queues"
