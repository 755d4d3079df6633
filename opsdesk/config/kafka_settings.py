"""A profile's `[[profiles.X.kafka]]` tables: the Kafka clusters whose topics the desk reads.

    [[profiles.prod.kafka]]
    name = "events"                          # names the cluster in the history; unique
    bootstrap_servers = ["k1:9093", "k2:9093"]
    topics = ["payments.events"]             # or topic_pattern = "payments\\..*"
    consumer_groups = ["payment-processor"]  # the services' groups whose lag is watched
    replay_topic = "payments.retry"          # payment replays go here (default: their topic)
    tls = true
    ca_file = "/etc/ssl/kafka-ca.pem"
    sasl_mechanism = "SCRAM-SHA-512"
    sasl_username = "opsdesk"

The SASL password is never in the file: OPSDESK_KAFKA_PASSWORD, else the keyring entry
`opsdesk` / `PROFILE/kafka/NAME` (`keyring set opsdesk prod/kafka/events`), as for AMQP.
The desk reads every partition with its own assignment and never commits: the consumer
groups named here are only read, for their lag.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, replace
from typing import Any

log = logging.getLogger(__name__)

ENV_KAFKA_PASSWORD = "OPSDESK_KAFKA_PASSWORD"
KEYRING_SERVICE = "opsdesk"
DEFAULT_NAME = "kafka"
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
# What Kafka allows in a topic name (and so in a cluster name here, which joins it in a log).
_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")
_SERVER = re.compile(r"[^\s:,]+:[0-9]{1,5}|\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}")
_KNOWN = {
    "name",
    "bootstrap_servers",
    "topics",
    "topic_pattern",
    "consumer_groups",
    "replay_topic",
    "tls",
    "ca_file",
    "cert_file",
    "key_file",
    "sasl_mechanism",
    "sasl_username",
    "batch_size",
    "batch_interval",
}


@dataclass(frozen=True, slots=True)
class KafkaSettings:
    """One cluster and what to read from it. `password` is never persisted by opsdesk."""

    bootstrap_servers: tuple[str, ...]
    topics: tuple[str, ...] = ()
    topic_pattern: str | None = None  # a Python regular expression matching whole names
    name: str = DEFAULT_NAME
    consumer_groups: tuple[str, ...] = ()
    # Where a payment replay produces a request read from this cluster; None: back to its topic.
    replay_topic: str | None = None
    tls: bool = False
    ca_file: str | None = None  # extra CA bundle; verification stays on
    cert_file: str | None = None  # client certificate (mutual TLS)
    key_file: str | None = None
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    password: str | None = None  # SASL password, from the environment or the keyring
    batch_size: int = 500  # records per transaction, per partition
    batch_interval: float = 0.2  # seconds: a partial batch is stored after this long

    def where(self) -> str:
        """What the operator reads about where the desk connects (no secret in it)."""
        return ",".join(self.bootstrap_servers)

    def reads(self) -> str:
        """The topics, or the pattern, in a few words."""
        if self.topic_pattern is not None:
            return f"topics matching {self.topic_pattern!r}"
        return "topic" + ("s " if len(self.topics) > 1 else " ") + ", ".join(self.topics)

    def matches(self, topic: str) -> bool:
        """Whether the desk reads `topic`; a pattern never matches Kafka's internal topics."""
        if self.topic_pattern is None:
            return topic in self.topics
        return not topic.startswith("__") and re.fullmatch(self.topic_pattern, topic) is not None


def parse_kafka_settings(raw: Any) -> tuple[KafkaSettings, ...]:
    """A profile's `kafka` array of tables; ValueError saying what is wrong."""
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise ValueError("`kafka` must be an array of tables ([[profiles.NAME.kafka]])")
    clusters = tuple(_cluster(table) for table in raw)
    names = [c.name for c in clusters]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        raise ValueError(f"two kafka tables are named {duplicates[0]!r}: give each a `name`")
    return clusters


def with_password(profile_name: str, settings: KafkaSettings) -> KafkaSettings:
    """`settings` with its SASL password: the environment first, then the OS keyring."""
    if settings.sasl_mechanism is None or settings.password is not None:
        return settings
    if env := os.environ.get(ENV_KAFKA_PASSWORD):
        return replace(settings, password=env)
    user = keyring_user(profile_name, settings)
    try:
        import keyring  # slow to import; only needed for a cluster with SASL

        return replace(settings, password=keyring.get_password(KEYRING_SERVICE, user))
    except Exception as exc:  # no backend on a headless server is normal
        log.info("no keyring available (%s); kafka %s gets no password", exc, settings.name)
        return settings


def keyring_user(profile_name: str, settings: KafkaSettings) -> str:
    return f"{profile_name}/kafka/{settings.name}"


def _cluster(raw: dict[str, Any]) -> KafkaSettings:
    if unknown := set(raw) - _KNOWN:
        raise ValueError(f"unknown kafka settings {sorted(unknown)}")
    name = raw.get("name", DEFAULT_NAME)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"kafka name must be letters, digits, '.', '_' or '-', not {name!r}")
    where = f"kafka {name!r}"
    settings = KafkaSettings(
        bootstrap_servers=_servers(where, raw.get("bootstrap_servers")),
        topics=_names(where, "topics", raw.get("topics", [])),
        topic_pattern=_pattern(where, raw.get("topic_pattern")),
        name=name,
        consumer_groups=_names(where, "consumer_groups", raw.get("consumer_groups", []), False),
        replay_topic=_topic(where, "replay_topic", raw.get("replay_topic")),
        tls=_flag(where, raw.get("tls", False)),
        ca_file=_text(where, "ca_file", raw.get("ca_file")),
        cert_file=_text(where, "cert_file", raw.get("cert_file")),
        key_file=_text(where, "key_file", raw.get("key_file")),
        sasl_mechanism=_mechanism(where, raw.get("sasl_mechanism")),
        sasl_username=_text(where, "sasl_username", raw.get("sasl_username")),
        batch_size=_number(where, "batch_size", raw.get("batch_size", 500), int),
        batch_interval=_number(where, "batch_interval", raw.get("batch_interval", 0.2), float),
    )
    return check(settings, where)


def check(settings: KafkaSettings, where: str = "kafka") -> KafkaSettings:
    """Settings built in code (the command line) get the checks a profile's table gets."""
    if not settings.bootstrap_servers:
        raise ValueError(f"{where}: bootstrap_servers is required (HOST:PORT, ...)")
    if bool(settings.topics) == (settings.topic_pattern is not None):
        raise ValueError(f"{where}: give either `topics` or `topic_pattern`")
    if (settings.sasl_mechanism is None) != (settings.sasl_username is None):
        raise ValueError(f"{where}: sasl_mechanism and sasl_username go together")
    if (settings.cert_file is None) != (settings.key_file is None):
        raise ValueError(f"{where}: cert_file and key_file go together")
    return settings


def _servers(where: str, raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: bootstrap_servers is required (a list of HOST:PORT)")
    for server in raw:
        if not isinstance(server, str) or not _SERVER.fullmatch(server):
            raise ValueError(f"{where}: a bootstrap server is HOST:PORT, not {server!r}")
    return tuple(raw)


def _names(where: str, key: str, raw: Any, topic_names: bool = True) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(n, str) and n for n in raw):
        raise ValueError(f"{where}: {key} must be a list of names")
    if topic_names:
        for topic in raw:
            if not _NAME.fullmatch(topic):
                raise ValueError(f"{where}: {topic!r} is not a Kafka topic name")
    return tuple(raw)


def _topic(where: str, key: str, raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not _NAME.fullmatch(raw):
        raise ValueError(f"{where}: {key} must be a Kafka topic name, not {raw!r}")
    return raw


def _pattern(where: str, raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        raise ValueError(f"{where}: topic_pattern must be a regular expression")
    try:
        re.compile(raw)
    except re.error as exc:
        message = f"{where}: topic_pattern {raw!r} is not a regular expression: {exc}"
        raise ValueError(message) from None
    return raw


def _mechanism(where: str, raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or raw.upper() not in SASL_MECHANISMS:
        raise ValueError(f"{where}: sasl_mechanism must be one of {', '.join(SASL_MECHANISMS)}")
    return raw.upper()


def _flag(where: str, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"{where}: tls must be true or false")
    return raw


def _text(where: str, key: str, raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        raise ValueError(f"{where}: {key} must be text")
    return raw


def _number(where: str, key: str, raw: Any, kind: type) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise ValueError(f"{where}: {key} must be a number above 0")
    if kind is int and not isinstance(raw, int):
        raise ValueError(f"{where}: {key} must be a whole number")
    return kind(raw)
