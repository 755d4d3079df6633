"""A profile's [[profiles.X.kafka]] tables: clusters, topics, TLS and SASL, unknown keys refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.config import ConfigError, load_profiles
from opsdesk.config.kafka_settings import (
    ENV_KAFKA_PASSWORD,
    KafkaSettings,
    keyring_user,
    with_password,
)


def profile_kafka(tmp_path: Path, tables: str) -> tuple[KafkaSettings, ...]:
    path = tmp_path / "profiles.toml"
    path.write_text(tables)
    return load_profiles(path)["team"].kafka


def test_a_profile_without_kafka_reads_none(tmp_path: Path) -> None:
    assert profile_kafka(tmp_path, "[profiles.team]\nread_only = true\n") == ()


def test_two_clusters_with_topics_a_pattern_tls_and_sasl(tmp_path: Path) -> None:
    clusters = profile_kafka(
        tmp_path,
        "[[profiles.team.kafka]]\n"
        'name = "events"\n'
        'bootstrap_servers = ["k1:9093", "k2:9093"]\n'
        'topics = ["payments.events", "payments.refunds"]\n'
        'consumer_groups = ["payment-processor"]\n'
        'tls = true\nca_file = "/etc/ca.pem"\n'
        'sasl_mechanism = "scram-sha-512"\nsasl_username = "opsdesk"\n'
        "[[profiles.team.kafka]]\n"
        'name = "audit"\n'
        'bootstrap_servers = "a1:9092, a2:9092"\n'
        'topic_pattern = "audit\\\\..*"\n'
        "batch_size = 100\n",
    )
    events, audit = clusters
    assert events.bootstrap_servers == ("k1:9093", "k2:9093")
    assert events.topics == ("payments.events", "payments.refunds")
    assert events.consumer_groups == ("payment-processor",)
    assert (events.tls, events.ca_file) == (True, "/etc/ca.pem")
    assert (events.sasl_mechanism, events.sasl_username) == ("SCRAM-SHA-512", "opsdesk")
    assert events.password is None, "never read from the file"
    assert audit.bootstrap_servers == ("a1:9092", "a2:9092")
    assert audit.matches("audit.logins") and not audit.matches("payments.events")
    assert not audit.matches("xaudit.logins"), "a pattern matches whole names"
    assert audit.batch_size == 100


def test_a_pattern_never_matches_internal_topics() -> None:
    settings = KafkaSettings(("k:9092",), topic_pattern=".*")
    assert settings.matches("payments") and not settings.matches("__consumer_offsets")


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('bootstrap_servers = ["k:9092"]\ntopics = ["t"]\ngroup_id = "x"\n', "unknown kafka"),
        ('topics = ["t"]\n', "bootstrap_servers is required"),
        ('bootstrap_servers = ["k"]\ntopics = ["t"]\n', "HOST:PORT"),
        ('bootstrap_servers = ["k:9092"]\n', "either `topics` or `topic_pattern`"),
        ('bootstrap_servers = ["k:9092"]\ntopics = ["t"]\ntopic_pattern = "t.*"\n', "either"),
        ('bootstrap_servers = ["k:9092"]\ntopics = ["a topic"]\n', "not a Kafka topic name"),
        ('bootstrap_servers = ["k:9092"]\ntopic_pattern = "("\n', "not a regular expression"),
        ('bootstrap_servers = ["k:9092"]\ntopics = ["t"]\nsasl_mechanism = "GSSAPI"\n', "one of"),
        (
            'bootstrap_servers = ["k:9092"]\ntopics = ["t"]\nsasl_mechanism = "PLAIN"\n',
            "go together",
        ),
        ('bootstrap_servers = ["k:9092"]\ntopics = ["t"]\ntls = "yes"\n', "true or false"),
        ('bootstrap_servers = ["k:9092"]\ntopics = ["t"]\nbatch_size = 0\n', "above 0"),
        ('bootstrap_servers = ["k:9092"]\ntopics = ["t"]\nname = "a/b"\n', "kafka name"),
        ('bootstrap_servers = ["k:9092"]\ntopics = ["t"]\nreplay_topic = "a b"\n', "replay_topic"),
    ],
)
def test_a_wrong_table_is_refused_saying_what_is_wrong(
    tmp_path: Path, table: str, says: str
) -> None:
    with pytest.raises(ConfigError, match="profile 'team'") as raised:
        profile_kafka(tmp_path, "[[profiles.team.kafka]]\n" + table)
    assert says in str(raised.value)


def test_two_tables_with_one_name_are_refused(tmp_path: Path) -> None:
    table = '[[profiles.team.kafka]]\nbootstrap_servers = ["k:9092"]\ntopics = ["t"]\n'
    with pytest.raises(ConfigError, match="two kafka tables are named 'kafka'"):
        profile_kafka(tmp_path, table + table)


def test_the_password_comes_from_the_environment_never_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = KafkaSettings(
        ("k:9092",), topics=("t",), sasl_mechanism="PLAIN", sasl_username="desk"
    )
    monkeypatch.setenv(ENV_KAFKA_PASSWORD, "s3cret")
    assert with_password("prod", settings).password == "s3cret"
    assert keyring_user("prod", settings) == "prod/kafka/kafka"
    plain = KafkaSettings(("k:9092",), topics=("t",))
    assert with_password("prod", plain).password is None, "no SASL: no password looked up"


def test_a_replay_topic_is_read(tmp_path: Path) -> None:
    table = '[[profiles.team.kafka]]\nbootstrap_servers = ["k:9092"]\ntopics = ["t"]\n'
    (cluster,) = profile_kafka(tmp_path, table + 'replay_topic = "t.retry"\n')
    assert cluster.replay_topic == "t.retry"
