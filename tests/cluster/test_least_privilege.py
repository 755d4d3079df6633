"""A desk whose broker user may only read its own tap (and one queue to look into).

The user is made with rabbitmqctl on the cluster and removed afterwards: it may configure and
bind its tap queue and nothing else, read the tap, the payment exchange (to bind to it) and
one queue, and has the `management` tag (the API shows it what its permissions allow).
Everything read-only works (collect, the history, browsing); every write the broker refuses
says which permission was missing, and loses nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pika
import pytest

from opsdesk.commands import collect, declare_queue, export, move, purge, replay
from opsdesk.config import Binding, MonitorSettings, Profile, TapSettings
from opsdesk.operations.service import Operations
from opsdesk.store.event_store import EventStore
from tests.cluster.conftest import TestCluster
from tests.commands.conftest import Ran, run_command

pytestmark = pytest.mark.cluster

EVENTS = 20


@dataclass(frozen=True)
class Desk:
    profile: Profile
    exchange: str
    tap: str
    readable: str  # a queue the user may read (browse) but not write to
    forbidden: str  # a queue the user may not touch at all


def payment_event(i: int) -> bytes:
    """Without a card number: a replay re-sends only an unaltered (unmasked) copy."""
    return json.dumps(
        {
            "event_id": f"evt-{i}",
            "type": "payment.failed",
            "payment_id": f"pay-{i}",
            "idempotency_key": f"idem-{i}",
            "amount_minor": 1000 + i,
            "currency": "EUR",
        }
    ).encode()


def _anchored(*names: str) -> str:
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


@pytest.fixture
def desk(cluster_majority: TestCluster) -> Iterator[Desk]:
    cluster = cluster_majority
    name = f"test.lp.{uuid.uuid4().hex[:8]}"
    user, password = f"desk-{name[-8:]}", uuid.uuid4().hex
    endpoint = replace(
        cluster.endpoint(first=0),
        url=cluster.nodes[0].url.replace("guest:guest@", f"{user}@"),
        password=password,  # the keyring's, for every node
        connection_name="opsdesk-least-privilege",
    )
    d = Desk(
        profile=Profile(
            name="least",
            endpoint=endpoint,
            bindings=(Binding(name + ".payments", "payment.#"),),
            tap=TapSettings(queue=name + ".tap", batch_interval=0.05, store_process=False),
            monitor=MonitorSettings(
                management_url=", ".join(node.management_url for node in cluster.nodes)
            ),
        ),
        exchange=name + ".payments",
        tap=name + ".tap",
        readable=name + ".failed",
        forbidden=name + ".settlements",
    )
    up = next(node for node in cluster.nodes[1:] if cluster.is_up(node))
    admin = pika.BlockingConnection(pika.URLParameters(up.url))
    channel = admin.channel()
    channel.confirm_delivery()
    channel.exchange_declare(d.exchange, "topic", durable=True)
    for queue in (d.readable, d.forbidden):
        channel.queue_declare(queue, durable=True)
        channel.basic_publish(
            "", queue, b'{"event_id": "x"}', pika.BasicProperties(message_id=queue)
        )
    # The tap queue as the desk declares it, so that what is published now is kept for it.
    channel.queue_declare(d.tap, durable=True, arguments=d.profile.tap.queue_arguments())
    channel.queue_bind(d.tap, d.exchange, "payment.#")
    cluster.rabbitmqctl("add_user", user, password)
    # The management API's least tag: it reads what the user's own permissions show (the
    # browse needs a queue's type, lest a quorum queue's delivery limit be at risk).
    cluster.rabbitmqctl("set_user_tags", user, "management")
    cluster.rabbitmqctl(
        "set_permissions", "-p", "/", user,
        _anchored(d.tap), _anchored(d.tap), _anchored(d.tap, d.exchange, d.readable),
    )  # fmt: skip
    try:
        for i in range(EVENTS):
            channel.basic_publish(
                d.exchange,
                "payment.failed",
                payment_event(i),
                pika.BasicProperties(message_id=f"evt-{i}", delivery_mode=2),
                mandatory=True,
            )
        yield d
    finally:
        cluster.rabbitmqctl("delete_user", user)
        for queue in (d.tap, d.readable, d.forbidden):
            channel.queue_delete(queue)
        channel.exchange_delete(d.exchange)
        admin.close()


def run(desk: Desk, db: Path, module: object, *argv: str) -> Ran:
    return run_command(module, *argv, profile=desk.profile, history=db)  # type: ignore[arg-type]


def test_a_desk_that_may_only_read_its_tap(desk: Desk, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"

    # Read-only: collect, the history, browsing.
    collected = run(desk, db, collect, "--max-events", str(EVENTS), "--json")
    assert collected.code == 0, collected.err
    assert json.loads(collected.out)["stored"] == EVENTS
    exported = run(desk, db, export, "--out", str(tmp_path / "events.jsonl"))
    assert exported.code == 0, exported.err
    assert len((tmp_path / "events.jsonl").read_text().splitlines()) == EVENTS
    page = Operations(desk.profile, db).browse(desk.readable)
    assert [m.message_id for m in page.messages] == [desk.readable]

    # Writes: each refused by the broker, in a sentence naming the permission it lacked.
    replayed = run(desk, db, replay, "--event-id", "evt-3", "--reason", "lp test", "--yes")
    assert replayed.code != 0
    assert (
        f"has no write permission on exchange '{desk.exchange}' in vhost '/' "
        "(needed to publish to it)"
    ) in replayed.out + replayed.err

    moved = run(desk, db, move, "--from", desk.readable, "--to-queue", desk.forbidden, "--yes")
    assert moved.code != 0
    assert "has no write permission on the default exchange" in moved.out + moved.err

    purged = run(desk, db, purge, "--queue", desk.forbidden, "--yes")
    assert purged.code != 0
    assert (
        f"has no read permission on queue '{desk.forbidden}' in vhost '/' "
        "(needed to read, move or purge its messages)"
    ) in purged.err

    declared = run(desk, db, declare_queue, "--queue", desk.forbidden + ".new", "--yes")
    assert declared.code != 0
    assert (
        f"has no configure permission on queue '{desk.forbidden}.new' in vhost '/' "
        "(needed to declare or delete it)"
    ) in declared.out + declared.err

    # Nothing was lost on the way: the refused move left its source as it was.
    assert Operations(desk.profile, db).queue_facts(desk.readable).ready == 1
    with EventStore(db, readonly=True) as store:
        assert store.count() == EVENTS
