"""`opsdesk collect` from Kafka against Tansu: SIGKILL and restart; the services' groups."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

from opsdesk.config import Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.collect import CollectLimits
from opsdesk.ingest.kafka_collect import run_kafka_collect
from opsdesk.kafka.client_config import desk_group_id
from opsdesk.store.event_store import EventStore
from opsdesk.store.source_positions import LogPositions
from tests.conftest import poll_until
from tests.ingest.test_collect import children_of, running
from tests.kafka.conftest import PARTITIONS, Tansu
from tests.kafka.kafka_desk import kafka_settings, native_records, positions, produce, stored_places

CLUSTER = "events"


def collect_command(db: Path, profiles: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "opsdesk.cli", "collect", "--config", str(profiles),
            "--kafka", CLUSTER, "--db", str(db), *options]  # fmt: skip


def kafka_profile(path: Path, bootstrap: str, topic: str, batch_size: int) -> Path:
    path.write_text(
        f"[[profiles.local.kafka]]\nname = {CLUSTER!r}\nbootstrap_servers = [{bootstrap!r}]\n"
        f"topics = [{topic!r}]\nbatch_size = {batch_size}\nbatch_interval = 0.05\n"
    )
    return path


def stored_events(db: Path) -> int:
    if not db.exists():
        return 0
    with EventStore(db, readonly=True) as store:
        return store.count()


def test_collect_killed_mid_stream_resumes_exactly_losing_and_doubling_nothing(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    profiles = kafka_profile(tmp_path / "profiles.toml", tansu.bootstrap, topic, batch_size=20)
    cmd = collect_command(db, profiles)
    first = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    total = 6000
    try:
        started = [LogPositions(live=-1)] * PARTITIONS  # a new desk on empty partitions
        poll_until(lambda: positions(db, CLUSTER, topic) == started, 60, "collect never started")
        produced = produce(tansu.bootstrap, topic, native_records(0, total))

        def stored_at_least_500() -> bool:
            assert first.poll() is None, "collector exited early"
            return stored_events(db) >= 500

        poll_until(stored_at_least_500, 60, "collector stored nothing")
        writers = children_of(first.pid)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert stored_events(db) < total, "killed mid-stream"
    assert writers, "collect commits in a child process"
    poll_until(lambda: not any(map(running, writers)), 30, "the writer process outlived collect")
    produced += produce(tansu.bootstrap, topic, native_records(total, 500))  # while it is down
    kept = stored_events(db)

    again = subprocess.run(
        [*cmd, "--idle-exit", "1.5", "--json"], check=True, timeout=120, capture_output=True
    )
    summary = json.loads(again.stdout)
    assert summary["duplicates"] == 0, "nothing stored before the kill was read again"
    assert summary["received"] == summary["stored"] == total + 500 - kept
    assert stored_places(db) == produced, "every record once: 0 lost, 0 doubled"
    with EventStore(db, readonly=True) as store:
        ids = {row[0] for row in store.db.execute("SELECT event_id FROM events")}
    assert ids == {f"e-{i}" for i in range(total + 500)}


def test_the_services_consumer_groups_are_never_joined_nor_moved(
    tansu: Tansu, admin: AdminClient, topic: str, tmp_path: Path
) -> None:
    produce(tansu.bootstrap, topic, native_records(0, 30))
    service = Consumer({"bootstrap.servers": tansu.bootstrap, "group.id": f"svc-{topic}"})
    committed = [
        TopicPartition(topic, 0, 4),
        TopicPartition(topic, 1, 7),
        TopicPartition(topic, 2, 2),
    ]
    service.commit(offsets=committed, asynchronous=False)
    service.close()
    before = group_offsets(admin, f"svc-{topic}")
    assert before == {(topic, 0): 4, (topic, 1): 7, (topic, 2): 2}

    settings = kafka_settings(tansu.bootstrap, topic, consumer_groups=(f"svc-{topic}",))
    profile = Profile("t", BrokerEndpoint(), (), TapSettings("unused", store_process=False))
    result = run_kafka_collect(
        profile, settings, tmp_path / "h.sqlite", CollectLimits(idle_exit=1.0),
        BackfillStart.parse("first"),
    )  # fmt: skip
    assert result.counters.stored == 30
    assert group_offsets(admin, f"svc-{topic}") == before, "the service's offsets unmoved"
    groups = {g.group_id for g in admin.list_consumer_groups().result(timeout=30).valid}
    assert f"svc-{topic}" in groups and desk_group_id() not in groups, "the desk has no group"


def group_offsets(admin: AdminClient, group: str) -> dict[tuple[str, int], int]:
    request = [ConsumerGroupTopicPartitions(group)]
    (future,) = admin.list_consumer_group_offsets(request).values()
    answer = future.result(timeout=30)
    return {(tp.topic, tp.partition): tp.offset for tp in answer.topic_partitions}


def test_kafka_options_that_name_no_cluster_are_refused_in_one_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "opsdesk.cli", "collect", "--kafka-topic", "payments",
         "--db", str(tmp_path / "h.sqlite"), "--idle-exit", "1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    assert "--kafka-bootstrap HOST:PORT is required" in out.stderr
    assert not (tmp_path / "h.sqlite").exists(), "refused before the history is touched"


def test_a_cluster_that_never_answers_exits_1_saying_so(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "opsdesk.cli", "collect", "--kafka-bootstrap", "127.0.0.1:1",
         "--kafka-topic", "payments", "--db", str(tmp_path / "h.sqlite"), "--idle-exit", "2"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 1
    assert "never connected to 127.0.0.1:1" in out.stderr
