"""The tracer's answers equal where RabbitMQ actually puts messages.

Seeded random topologies (topic, direct, fanout and headers exchanges; exchange-to-exchange
bindings with a cycle; an internal exchange; alternate exchanges by argument, by policy, a
chained one and a missing one; topic keys with `*`, `#` and empty words) are declared on the
real broker. Many messages, each with its own id, are published (mandatory, confirmed) and
every queue is drained: each message must have landed in exactly the queues the tracer named,
and the broker must have returned exactly those the tracer said reach none.
"""

from __future__ import annotations

import base64
import json
import random
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pika
import pika.exceptions
import pytest

from opsdesk.broker.dead_letter_chain import dead_letter_chain
from opsdesk.broker.management_api import ManagementClient
from opsdesk.broker.queue_feeds import queue_feeds
from opsdesk.broker.route_tracer import trace
from opsdesk.broker.topology import read_topology
from opsdesk.config.endpoint import BrokerEndpoint
from tests.conftest import BROKER_URL, BrokerObjects

pytestmark = pytest.mark.broker

MESSAGES_PER_TOPOLOGY = 80
KEY_WORDS = ["a", "b", ""]
BINDING_WORDS = ["a", "b", "", "*", "#"]
HEADER_NAMES = ["h1", "h2", "x-h"]
HEADER_VALUES: list[Any] = ["1", "2", 1, True]


def policy_request(method: str, name: str, body: dict[str, Any] | None = None) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:15672/api/policies/%2F/{urllib.parse.quote(name, safe='')}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": "Basic " + base64.b64encode(b"guest:guest").decode(),
            "Content-Type": "application/json",
        },
    )
    urllib.request.urlopen(request, timeout=5).close()


@dataclass
class Declared:
    prefix: str
    exchanges: list[str] = field(default_factory=list)
    publishable: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)


def random_key(rng: random.Random, words: list[str], longest: int) -> str:
    return ".".join(rng.choice(words) for _ in range(rng.randint(0, longest)))


def random_headers(rng: random.Random) -> dict[str, Any]:
    names = rng.sample(HEADER_NAMES, rng.randint(0, len(HEADER_NAMES)))
    return {name: rng.choice(HEADER_VALUES) for name in names}


def random_header_binding(rng: random.Random) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        name: rng.choice([*HEADER_VALUES, None])
        for name in rng.sample(HEADER_NAMES, rng.randint(1, 2))
    }
    kind = rng.choice(["all", "any", "all-with-x", "any-with-x", None])
    if kind is not None:
        arguments["x-match"] = kind
    return arguments


def declare_random_topology(rng: random.Random, broker: BrokerObjects, prefix: str) -> Declared:
    channel, declared = broker.channel, Declared(prefix)

    def exchange(name: str, kind: str, *, internal: bool = False, **arguments: Any) -> str:
        full = f"{prefix}.{name}"
        channel.exchange_declare(full, kind, internal=internal, arguments=arguments or None)
        broker.exchanges.append(full)
        declared.exchanges.append(full)
        if not internal:
            declared.publishable.append(full)
        return full

    queues = [broker.queue(f"{prefix}.q{i}") for i in range(8)]
    declared.queues = queues
    fallback = exchange("ae.fallback", "fanout")  # the alternate's own alternate
    ae = exchange("ae", "topic", **{"alternate-exchange": fallback})
    inner = exchange("inner", "topic", internal=True)
    kinds = ["topic", "topic", "topic", "direct", "direct", "fanout", "headers", "headers"]
    plain = []
    for i, kind in enumerate(kinds):
        arguments = {"alternate-exchange": ae} if rng.random() < 0.4 else {}
        plain.append(exchange(f"x{i}", kind, **arguments))
    plain.append(exchange("by-policy", "direct"))  # its alternate comes from a policy
    plain.append(exchange("ae-missing", "topic", **{"alternate-exchange": f"{prefix}.gone"}))
    for source in [*plain, ae, inner]:
        for _ in range(rng.randint(1, 3)):
            queue = rng.choice(queues)
            if source.endswith(("x6", "x7")):  # the headers exchanges
                channel.queue_bind(queue, source, "k", arguments=random_header_binding(rng))
            else:
                channel.queue_bind(queue, source, random_key(rng, BINDING_WORDS, 3))
    channel.queue_bind(queues[0], fallback, "")
    # Exchange-to-exchange: a cycle, a way into the internal exchange, and a few at random.
    channel.exchange_bind(plain[1], plain[0], random_key(rng, BINDING_WORDS, 2))
    channel.exchange_bind(plain[0], plain[1], "#")
    channel.exchange_bind(inner, plain[2], random_key(rng, BINDING_WORDS, 2))
    for _ in range(4):
        source, destination = rng.sample(plain, 2)
        if source.endswith(("x6", "x7")):
            channel.exchange_bind(destination, source, "k", arguments=random_header_binding(rng))
        else:
            channel.exchange_bind(destination, source, random_key(rng, BINDING_WORDS, 3))
    declared.publishable.append("")  # the default exchange too
    return declared


@pytest.fixture
def policy(unique_name: str) -> Iterator[str]:
    """A policy giving `<unique_name>.by-policy` an alternate exchange, removed afterwards."""
    name = f"{unique_name}.policy"
    pattern = f"^{re.escape(unique_name)}\\.by-policy$"
    definition = {"alternate-exchange": f"{unique_name}.ae"}
    policy_request(
        "PUT", name, {"pattern": pattern, "definition": definition, "apply-to": "exchanges"}
    )
    try:
        yield name
    finally:
        policy_request("DELETE", name)


def publish_all(
    rng: random.Random, broker: BrokerObjects, declared: Declared
) -> tuple[dict[str, tuple[str, str, dict[str, Any]]], set[str]]:
    """Messages by id (exchange, key, headers), and the ids the broker returned."""
    sent: dict[str, tuple[str, str, dict[str, Any]]] = {}
    returned: set[str] = set()
    for i in range(MESSAGES_PER_TOPOLOGY):
        exchange = rng.choice(declared.publishable)
        if exchange == "":
            key = rng.choice([*declared.queues, f"{declared.prefix}.no-such-queue"])
        else:
            key = random_key(rng, KEY_WORDS, 4)
        headers = random_headers(rng)
        if rng.random() < 0.1:
            headers["CC"] = [random_key(rng, KEY_WORDS, 2)]
        message_id = f"{declared.prefix}:{i}"
        sent[message_id] = (exchange, key, headers)
        properties = pika.BasicProperties(message_id=message_id, headers=headers or None)
        try:
            broker.channel.basic_publish(exchange, key, b"", properties, mandatory=True)
        except pika.exceptions.UnroutableError:
            returned.add(message_id)
    return sent, returned


def drain(broker: BrokerObjects, queues: list[str]) -> dict[str, set[str]]:
    """Which queues each message id landed in."""
    landed: dict[str, set[str]] = {}
    for queue in queues:
        while True:
            method, properties, _ = broker.channel.basic_get(queue, auto_ack=True)
            if method is None:
                break
            landed.setdefault(properties.message_id, set()).add(queue)
    return landed


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_tracer_names_exactly_where_messages_land(
    seed: int, broker: BrokerObjects, unique_name: str, policy: str
) -> None:
    rng = random.Random(seed)
    declared = declare_random_topology(rng, broker, unique_name)
    topology = read_topology(ManagementClient(BrokerEndpoint(url=BROKER_URL)))
    by_policy = topology.exchanges[f"{unique_name}.by-policy"]
    assert (by_policy.alternate_exchange, by_policy.alternate_exchange_from) == (
        f"{unique_name}.ae",
        "policy",
    )

    sent, returned = publish_all(rng, broker, declared)
    landed = drain(broker, declared.queues)

    predicted = {
        message_id: set(trace(topology, exchange, key, headers).queue_names)
        for message_id, (exchange, key, headers) in sent.items()
    }
    actual = {message_id: landed.get(message_id, set()) for message_id in sent}
    wrong = {
        message_id: {"sent": sent[message_id], "tracer": predicted[message_id], "broker": queues}
        for message_id, queues in actual.items()
        if predicted[message_id] != queues
    }
    assert not wrong, wrong
    assert returned == {message_id for message_id, queues in predicted.items() if not queues}
    assert len(returned) < len(sent) and any(len(q) > 1 for q in actual.values())  # not vacuous


def test_every_way_in_with_its_example_key_reaches_the_queue(
    broker: BrokerObjects, unique_name: str, policy: str
) -> None:
    """Why a queue receives nothing, checked the other way round: publishing each path's
    example key at its start puts a message in the queue."""
    rng = random.Random(7)
    declared = declare_random_topology(rng, broker, unique_name)
    topology = read_topology(ManagementClient(BrokerEndpoint(url=BROKER_URL)))
    tried: dict[str, str] = {}
    for i, queue in enumerate(declared.queues):
        for j, way in enumerate(queue_feeds(topology, queue).possible_paths):
            if way.headers_bindings or way.through_alternate:
                continue  # these ask for more than a key
            message_id = f"{unique_name}:{i}.{j}"
            tried[message_id] = queue
            properties = pika.BasicProperties(message_id=message_id)
            broker.channel.basic_publish(way.path.start, way.example_key or "", b"", properties)
    landed = drain(broker, declared.queues)
    assert len(tried) > len(declared.queues)  # more than the default exchange's ways
    assert {m: q for m, q in tried.items() if q not in landed.get(m, set())} == {}


def test_dead_letter_chain_is_where_rejected_messages_go(
    broker: BrokerObjects, unique_name: str
) -> None:
    """work -(argument: dlx, key 'failed')-> work.dlq -(policy: a fanout)-> archive."""
    dlx = f"{unique_name}.dlx"
    archive_exchange = f"{unique_name}.archive-x"
    dlq = f"{unique_name}.work.dlq"
    policy_name = f"{unique_name}.dlq-policy"
    body = {
        "pattern": f"^{re.escape(dlq)}$",
        "apply-to": "queues",
        "definition": {"dead-letter-exchange": archive_exchange},
    }
    policy_request("PUT", policy_name, body)  # before the queue: it is declared with it
    try:
        for name, kind in ((dlx, "direct"), (archive_exchange, "fanout")):
            broker.channel.exchange_declare(name, kind)
            broker.exchanges.append(name)
        arguments = {"x-dead-letter-exchange": dlx, "x-dead-letter-routing-key": "failed"}
        work = broker.queue(f"{unique_name}.work", **arguments)
        broker.queue(dlq)
        archive = broker.queue(f"{unique_name}.archive")
        broker.channel.queue_bind(dlq, dlx, "failed")
        broker.channel.queue_bind(archive, archive_exchange, "")
        topology = read_topology(ManagementClient(BrokerEndpoint(url=BROKER_URL)))
        chain = dead_letter_chain(topology, work, "payment.x")

        broker.publish("", work, b"poison", message_id="m1")
        landed = []
        for queue in (work, dlq):  # a consumer rejects it from each queue in turn
            method, _, _ = broker.channel.basic_get(queue)
            assert method is not None
            broker.channel.basic_reject(method.delivery_tag, requeue=False)
            landed.append(tuple(q for q in (work, dlq, archive) if broker.message_count(q)))
    finally:
        policy_request("DELETE", policy_name)
    assert [(s.queue, s.set_by, s.routing_key, s.queues) for s in chain.steps] == [
        (work, "argument", "failed", (dlq,)),
        (dlq, "policy", "failed", (archive,)),
    ]
    assert landed == [(dlq,), (archive,)]
    assert chain.ends == (archive,)
