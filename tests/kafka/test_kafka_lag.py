"""The services' groups' lag against Tansu: produced minus committed, members, `opsdesk lag`."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition

from opsdesk.commands import lag as lag_command
from opsdesk.config import Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.kafka.lag import LagReader
from opsdesk.kafka.partitions import PartitionId
from tests.commands.conftest import run_command
from tests.conftest import poll_until
from tests.kafka.conftest import Tansu
from tests.kafka.kafka_desk import kafka_settings, native_records, produce

PROFILE = Profile("t", BrokerEndpoint(), (), TapSettings("unused"))


def produced_per_partition(places: Counter[tuple[str, str]]) -> dict[int, int]:
    counts: Counter[int] = Counter(int(place.split("@")[0]) for _topic, place in places)
    return dict(counts)


def commit(bootstrap: str, group: str, offsets: list[TopicPartition]) -> None:
    """A service's group commits where it is (a group without members, as after a stop)."""
    service = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    service.commit(offsets=offsets, asynchronous=False)
    service.close()


def test_lag_is_what_was_produced_less_what_the_group_committed(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    produced = produced_per_partition(produce(tansu.bootstrap, topic, native_records(0, 60)))
    group = f"svc-{topic}"
    commit(tansu.bootstrap, group, [TopicPartition(topic, 0, 3), TopicPartition(topic, 2, 10)])

    (lag,) = LagReader(kafka_settings(tansu.bootstrap, topic)).read([group])
    assert lag.problem is None and lag.known and not lag.active
    by_partition = {p.partition: p.lag for p in lag.partitions}
    assert by_partition == {
        PartitionId(topic, 0): produced[0] - 3,
        PartitionId(topic, 2): produced[2] - 10,
    }
    assert lag.total == produced[0] + produced[2] - 13

    ran = run_command(
        lag_command, "--kafka-bootstrap", tansu.bootstrap, "--group", group, "--json",
        profile=PROFILE, history=tmp_path / "h.sqlite",
    )  # fmt: skip
    assert ran.code == lag_command.EXIT_READ
    (read,) = json.loads(ran.out)
    assert read["lag"] == lag.total and read["active"] is False
    nobody = run_command(
        lag_command, "--kafka-bootstrap", tansu.bootstrap, "--group", f"none-{topic}",
        profile=PROFILE, history=tmp_path / "h.sqlite",
    )  # fmt: skip
    assert nobody.code == lag_command.EXIT_UNKNOWN_GROUP
    assert f"knows no group none-{topic}" in nobody.err


def test_a_group_with_a_consuming_member_is_active_and_empty_once_it_leaves(
    tansu: Tansu, topic: str
) -> None:
    produce(tansu.bootstrap, topic, native_records(0, 9))
    group = f"svc-{topic}"
    assigned = threading.Event()
    member = Consumer({
        "bootstrap.servers": tansu.bootstrap, "group.id": group,
        "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
    })  # fmt: skip
    member.subscribe([topic], on_assign=lambda _consumer, _partitions: assigned.set())
    reader = LagReader(kafka_settings(tansu.bootstrap, topic))
    try:

        def joined_yet() -> bool:
            member.poll(0.2)  # a member takes part in the group from its poll loop
            return assigned.is_set()

        poll_until(joined_yet, 30, "the member never joined")
        (joined,) = reader.read([group])
        assert joined.active, joined
    finally:
        member.close()
    (left,) = reader.read([group])
    assert not left.active and left.state == "empty"


def test_a_cluster_that_cannot_be_reached_is_said_and_exits_2(tmp_path: Path) -> None:
    ran = run_command(
        lag_command, "--kafka-bootstrap", "127.0.0.1:1", "--group", "svc", "--timeout", "1",
        profile=PROFILE, history=tmp_path / "h.sqlite",
    )  # fmt: skip
    assert ran.code == lag_command.EXIT_CANNOT_TELL
    assert "group svc: Kafka at 127.0.0.1:1" in ran.err
