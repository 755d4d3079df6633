"""The options that point a command at a Kafka cluster: a profile's table, or servers and topics.

`--kafka NAME` takes the profile's `[[profiles.X.kafka]]` table of that name (its TLS and SASL
settings too); `--kafka-bootstrap HOST:PORT` with `--kafka-topic T` (or `--kafka-pattern RE`)
names a cluster on the command line, PLAINTEXT unless a profile's table is also named, whose
security settings it then keeps. Shared by `collect` and `lag`.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from opsdesk.config import ConfigError, Profile
from opsdesk.config.kafka_settings import KafkaSettings, check


def add_kafka_arguments(parser: argparse.ArgumentParser, *, topics: bool = True) -> None:
    parser.add_argument(
        "--kafka", metavar="NAME", help="the profile's [[profiles.X.kafka]] table of this name"
    )
    parser.add_argument(
        "--kafka-bootstrap",
        action="append",
        metavar="HOST:PORT",
        help="a Kafka bootstrap server (repeatable, or comma-separated)",
    )
    if topics:
        parser.add_argument(
            "--kafka-topic", action="append", metavar="TOPIC", help="a topic to read (repeatable)"
        )
        parser.add_argument(
            "--kafka-pattern", metavar="REGEX", help="read every topic whose whole name matches"
        )


def kafka_asked(args: argparse.Namespace) -> bool:
    """Any Kafka option given: a topic alone is no reason to read RabbitMQ instead."""
    topics = getattr(args, "kafka_topic", None) or getattr(args, "kafka_pattern", None)
    return bool(args.kafka or args.kafka_bootstrap or topics)


def kafka_settings(
    args: argparse.Namespace, profile: Profile, *, need_topics: bool = True
) -> KafkaSettings:
    """The cluster the options name; ConfigError saying what is missing or wrong. Without
    `need_topics` (lag reads the groups' own partitions) a cluster needs no topic."""
    settings = _profile_table(profile, args.kafka) if args.kafka else None
    if settings is None and len(profile.kafka) == 1 and not args.kafka_bootstrap:
        settings = profile.kafka[0]
    servers = tuple(
        server.strip()
        for option in args.kafka_bootstrap or ()
        for server in option.split(",")
        if server.strip()
    )
    topics = tuple(getattr(args, "kafka_topic", None) or ())
    pattern = getattr(args, "kafka_pattern", None)
    if settings is None:
        if not servers:
            raise ConfigError("--kafka-bootstrap HOST:PORT is required (or --kafka NAME)")
        if need_topics and not (topics or pattern):
            raise ConfigError("--kafka-topic TOPIC (repeatable) or --kafka-pattern is required")
        settings = KafkaSettings(servers, topic_pattern=".*")
    if servers:
        settings = replace(settings, bootstrap_servers=servers)
    if topics or pattern:
        settings = replace(settings, topics=topics, topic_pattern=pattern)
    try:
        return check(settings, "the Kafka options")
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def _profile_table(profile: Profile, name: str) -> KafkaSettings:
    for settings in profile.kafka:
        if settings.name == name:
            return settings
    names = ", ".join(s.name for s in profile.kafka) or "none"
    raise ConfigError(f"profile {profile.name!r} has no kafka table named {name!r} ({names})")
