"""Lag sampled beside the queue samples against Tansu: the queue alert kinds fire and clear."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition

from opsdesk.alerting.evaluator import AlertEvaluator
from opsdesk.alerting.inputs import StatsInputs
from opsdesk.config import Profile, TapSettings
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.config.profiles import MonitorSettings
from opsdesk.ingest.collect import CollectLimits
from opsdesk.ingest.kafka_collect import run_kafka_collect
from opsdesk.ingest.kafka_lag_samples import LagSampler, lag_queue
from opsdesk.kafka.lag import LagReader
from opsdesk.store.queue_sample_store import QueueSampleStore
from tests.conftest import poll_until
from tests.kafka.conftest import Tansu
from tests.kafka.kafka_desk import kafka_settings, native_records, produce
from tests.kafka.test_kafka_lag import commit, produced_per_partition


def test_lag_above_n_and_no_active_members_fire_then_clear_as_for_a_queue(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    produced = produced_per_partition(produce(tansu.bootstrap, topic, native_records(0, 45)))
    group = f"svc-{topic}"
    commit(tansu.bootstrap, group, [TopicPartition(topic, p, 1) for p in range(3)])
    settings = kafka_settings(tansu.bootstrap, topic, consumer_groups=(group,))
    queue = lag_queue(group, topic)
    rules = [
        AlertRule("lag", RuleKind.QUEUE_DEPTH, queue=queue, threshold=10),
        AlertRule("nobody", RuleKind.NO_CONSUMERS, queue=queue),
    ]
    evaluator = AlertEvaluator(rules)
    sampler = LagSampler(settings, tmp_path / "h.sqlite", interval=5.0)
    reader = LagReader(settings)
    with QueueSampleStore(tmp_path / "h.sqlite") as store:
        (sample,) = sampler.sample_once(reader, store)
        assert (sample.queue, sample.vhost, sample.source) == (queue, "kafka:test", "kafka")
        assert sample.messages_ready == sum(produced.values()) - 3 and sample.consumers == 0
        fired = evaluator.evaluate(datetime.now(UTC), store.latest(), StatsInputs())
        assert {t.rule.name for t in fired if t.fired} == {"lag", "nobody"}

        commit(tansu.bootstrap, group, [TopicPartition(topic, p, n) for p, n in produced.items()])
        member = Consumer({
            "bootstrap.servers": tansu.bootstrap, "group.id": group,
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
        })  # fmt: skip
        member.subscribe([topic])
        try:

            def joined() -> bool:
                member.poll(0.2)  # a member joins from its poll loop (Tansu: about 3 s)
                return reader.read([group])[0].active

            poll_until(joined, 30, "the member never joined")
            (caught_up,) = sampler.sample_once(reader, store)
            cleared = evaluator.evaluate(datetime.now(UTC), store.latest(), StatsInputs())
        finally:
            member.close()
    assert caught_up.messages_ready == 0 and caught_up.consumers >= 1
    assert {t.rule.name for t in cleared if not t.fired} == {"lag", "nobody"}


def test_collect_samples_the_profiles_groups_into_the_history(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    produce(tansu.bootstrap, topic, native_records(0, 9))
    group = f"svc-{topic}"
    commit(tansu.bootstrap, group, [TopicPartition(topic, 0, 0)])
    settings = kafka_settings(tansu.bootstrap, topic, consumer_groups=(group,))
    profile = Profile(
        "t", BrokerEndpoint(), (), TapSettings("unused", store_process=False),
        monitor=MonitorSettings(interval=0.2),
    )  # fmt: skip
    db = tmp_path / "h.sqlite"
    run_kafka_collect(profile, settings, db, CollectLimits(idle_exit=1.0))
    with QueueSampleStore(db, readonly=True) as store:
        latest = store.latest()
    assert latest[lag_queue(group, topic)].source == "kafka"
