"""Headless ingest from a Kafka cluster: `opsdesk collect --kafka-bootstrap ...`, without Qt.

The same engine as the RabbitMQ collect (collect.py: a tap until a limit or a signal, the
profile's writer), with a KafkaSource. A backfill is recorded in the history for every
partition the cluster has before anything is read, so a collect stopped in the middle
resumes it; its progress goes to the log every few seconds, as a stream's does. The lag of
the consumer groups the settings name is sampled into the history meanwhile, every monitor
interval of the profile (kafka_lag_samples.py).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from opsdesk.config import Profile
from opsdesk.config.kafka_settings import KafkaSettings, with_password
from opsdesk.ingest.backfill_log import BackfillLog
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.collect import CollectLimits, CollectSummary, NeverConnected, collect_from
from opsdesk.ingest.kafka_batch import kafka_log
from opsdesk.ingest.kafka_history import held_positions, record_backfills
from opsdesk.ingest.kafka_lag_samples import LagSampler
from opsdesk.ingest.kafka_source import KafkaSource
from opsdesk.ingest.writer_choice import tap_writer
from opsdesk.kafka.client_config import admin_config
from opsdesk.kafka.failure_text import describe_kafka_failure
from opsdesk.kafka.partitions import read_partitions

METADATA_TIMEOUT = 10.0


def run_kafka_collect(
    profile: Profile,
    settings: KafkaSettings,
    db_path: Path,
    limits: CollectLimits,
    backfill: BackfillStart | None = None,
) -> CollectSummary:
    """`settings`' topics into `db_path`, committed as the profile says (writer_choice);
    raises NeverConnected when the cluster was never reached."""
    settings = with_password(profile.name, settings)
    if backfill is not None:
        request_backfill(settings, db_path, backfill)
    source = KafkaSource(settings, partial(held_positions, db_path))
    writer = tap_writer(profile, db_path, shows_events=False)
    sampler = None
    if settings.consumer_groups:
        sampler = LagSampler(settings, db_path, profile.monitor.interval)
        sampler.start()
    try:
        counters = collect_from(source, writer, limits, BackfillLog(source.backfill_progress))
    finally:
        if sampler is not None:
            sampler.stop()
    return CollectSummary(counters, source.backfill_progress())


def request_backfill(settings: KafkaSettings, db_path: Path, start: BackfillStart) -> None:
    """Record a backfill from `start` for every partition of the topics `settings` reads."""
    try:
        reading = read_partitions(AdminClient(admin_config(settings)), settings, METADATA_TIMEOUT)
    except KafkaException as exc:
        raise NeverConnected(describe_kafka_failure(exc, settings.where())) from exc
    logs = [kafka_log(settings.name, partition) for partition in reading.partitions]
    record_backfills(db_path, logs, start)
