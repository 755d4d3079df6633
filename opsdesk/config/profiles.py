"""Connection profiles: a TOML file in the user's config folder, overridden by options and env."""

from __future__ import annotations

import getpass
import logging
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from opsdesk.config.alert_rules import AlertRule, RuleKind, parse_rules
from opsdesk.config.endpoint import DEFAULT_URL, BrokerEndpoint, InvalidBrokerURL, node_address
from opsdesk.config.kafka_settings import KafkaSettings, parse_kafka_settings
from opsdesk.config.replay_settings import ReplaySettings, parse_replay_settings
from opsdesk.config.tap_settings import TapSettings, parse_tap_settings
from opsdesk.events.mapping import FieldMapping, parse_mappings

log = logging.getLogger(__name__)

APP_NAME = "opsdesk"
ENV_URL = "OPSDESK_URL"
ENV_PASSWORD = "OPSDESK_PASSWORD"
ENV_CONFIG = "OPSDESK_CONFIG"
KEYRING_SERVICE = "opsdesk"
DEFAULT_PROFILE = "local"


class ConfigError(Exception):
    """The profiles file or an option is wrong in a way the user must fix."""


@dataclass(frozen=True, slots=True)
class Binding:
    exchange: str
    routing_key: str = "#"

    @classmethod
    def parse(cls, text: str) -> Binding:
        """`EXCHANGE[:BINDING]`, as on the command line."""
        exchange, _, key = text.partition(":")
        if not exchange:
            raise ConfigError(f"exchange name missing in {text!r} (expected EXCHANGE[:BINDING])")
        return cls(exchange, key or "#")


@dataclass(frozen=True, slots=True)
class MonitorSettings:
    """Queue sampling: which queues, how often, and where the management API is."""

    queues: tuple[str, ...] = ()  # watched queues; empty = every queue the API lists
    interval: float = 5.0  # seconds between samples
    # None: derived from the broker URL (same host, port 15672, same credentials), for each
    # node of a cluster. A cluster's own URLs are separated by commas (a list in the file).
    management_url: str | None = None
    retention_days: int = 30


# What an on-call operator wants without configuring anything: dead letters, a collapsing
# success rate and a blocked or split broker. Depth thresholds depend on the system, so they
# are left to profiles.
DEFAULT_ALERTS = (
    AlertRule("dead letters", RuleKind.DEAD_LETTERS),
    AlertRule("broker alarm", RuleKind.BROKER_ALARM),
    AlertRule(
        "success rate below 90%",
        RuleKind.SUCCESS_RATE,
        threshold=90.0,
        window_seconds=900.0,
        min_samples=50,
    ),
)


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    endpoint: BrokerEndpoint
    bindings: tuple[Binding, ...]
    tap: TapSettings
    read_only: bool = False
    # The profile says `read_only = false` itself: only then may a remote broker be written to.
    writes_allowed: bool = False
    operator: str = field(default_factory=getpass.getuser)
    monitor: MonitorSettings = field(default_factory=MonitorSettings)
    mappings: tuple[FieldMapping, ...] = ()  # user-defined decoders for in-house schemas
    alerts: tuple[AlertRule, ...] = DEFAULT_ALERTS
    replay: ReplaySettings = field(default_factory=ReplaySettings)
    kafka: tuple[KafkaSettings, ...] = ()  # Kafka clusters read beside the broker
    # The profiles file this profile was read from, or would be written to when it is the
    # built-in one and the file does not exist yet; None for a profile built in code.
    config_path: Path | None = field(default=None, compare=False)


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    return Path(os.environ.get(ENV_CONFIG) or config_dir() / "profiles.toml")


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "history.sqlite"


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_file() -> Path:
    return log_dir() / "opsdesk.log"


def _tap_settings(profile_name: str, raw: dict[str, Any]) -> TapSettings:
    try:
        return parse_tap_settings(profile_name, raw)
    except ValueError as exc:
        raise ConfigError(f"profile {profile_name!r}: {exc}") from exc


def _profile_from_toml(name: str, raw: dict[str, Any]) -> Profile:
    url = raw.get("url", DEFAULT_URL)
    if "url" in raw and urlsplit(url).password:
        log.warning(
            "profile %r has a password in its URL; store it in the keyring instead "
            "(keyring set %s %s)",
            name,
            KEYRING_SERVICE,
            name,
        )
    bindings = tuple(
        Binding(b["exchange"], b.get("routing_key", "#")) for b in raw.get("bindings", [])
    ) or (Binding("payments.events", "#"),)
    endpoint = BrokerEndpoint(
        url=url, ca_file=raw.get("ca_file") or None, nodes=_nodes(name, url, raw.get("nodes", []))
    )
    return Profile(
        name=name,
        endpoint=endpoint,
        bindings=bindings,
        tap=_tap_settings(name, raw.get("tap", {})),
        read_only=bool(raw["read_only"]) if "read_only" in raw else not _all_local(endpoint),
        writes_allowed=raw.get("read_only") is False,
        operator=raw.get("operator") or getpass.getuser(),
        monitor=_monitor_settings(name, raw.get("monitor", {})),
        mappings=_mappings(name, raw.get("mappings", [])),
        alerts=_alerts(name, raw["alerts"]) if "alerts" in raw else DEFAULT_ALERTS,
        replay=_replay_settings(name, raw.get("replay", {})),
        kafka=_kafka_settings(name, raw.get("kafka", [])),
    )


def _nodes(profile_name: str, url: str, raw: Any) -> tuple[str, ...]:
    """A cluster's other nodes, "host:port" each; the URL gives their scheme, user and vhost."""
    if not isinstance(raw, list) or not all(isinstance(node, str) for node in raw):
        raise ConfigError(f'profile {profile_name!r}: nodes is a list like ["host:5672", ...]')
    try:
        return tuple(node_address(node, urlsplit(url).scheme) for node in raw)
    except InvalidBrokerURL as exc:
        raise ConfigError(f"profile {profile_name!r}: {exc}") from exc


def _alerts(profile_name: str, raw: Any) -> tuple[AlertRule, ...]:
    try:
        return parse_rules(raw)
    except ValueError as exc:
        raise ConfigError(f"profile {profile_name!r}: {exc}") from exc


def _mappings(profile_name: str, raw: Any) -> tuple[FieldMapping, ...]:
    try:
        return parse_mappings(raw)
    except ValueError as exc:
        raise ConfigError(f"profile {profile_name!r}: {exc}") from exc


def _monitor_settings(profile_name: str, raw: dict[str, Any]) -> MonitorSettings:
    known = {"queues", "interval", "management_url", "retention_days"}
    if unknown := set(raw) - known:
        raise ConfigError(f"profile {profile_name!r}: unknown monitor settings {sorted(unknown)}")
    values = dict(raw)
    if "queues" in values:
        values["queues"] = tuple(values["queues"])
    if isinstance(values.get("management_url"), list):  # one per node of a cluster
        values["management_url"] = ", ".join(map(str, values["management_url"]))
    return MonitorSettings(**values)


def _kafka_settings(profile_name: str, raw: Any) -> tuple[KafkaSettings, ...]:
    try:
        return parse_kafka_settings(raw)
    except ValueError as exc:
        raise ConfigError(f"profile {profile_name!r}: {exc}") from exc


def _replay_settings(profile_name: str, raw: Any) -> ReplaySettings:
    try:
        return parse_replay_settings(raw)
    except ValueError as exc:
        raise ConfigError(f"profile {profile_name!r}: {exc}") from exc


def load_profiles(path: Path | None = None) -> dict[str, Profile]:
    """All profiles in the file; the built-in `local` profile when the file is absent."""
    path = path or config_file()
    profiles = {DEFAULT_PROFILE: replace(_profile_from_toml(DEFAULT_PROFILE, {}), config_path=path)}
    if not path.exists():
        return profiles
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read profiles from {path}: {exc}") from exc
    for name, raw in data.get("profiles", {}).items():
        profiles[name] = replace(_profile_from_toml(name, raw), config_path=path)
    return profiles


def _password_for(profile_name: str, url: str) -> str | None:
    """Environment first, then the OS keyring; never the config file."""
    if env := os.environ.get(ENV_PASSWORD):
        return env
    if urlsplit(url).password:
        return None
    try:
        import keyring  # slow to import; only needed when the URL carries no password

        return keyring.get_password(KEYRING_SERVICE, profile_name)
    except Exception as exc:  # no backend on a headless server is normal
        log.info("no keyring available (%s); using the URL's credentials", exc)
        return None


def resolve_profile(
    profile_name: str | None = None,
    url: str | None = None,
    config_path: Path | None = None,
) -> Profile:
    """The profile to use: file < OPSDESK_URL < --url; password from env or keyring."""
    profiles = load_profiles(config_path)
    name = profile_name or DEFAULT_PROFILE
    if name not in profiles:
        raise ConfigError(f"no profile {name!r} in {config_path or config_file()}")
    profile = profiles[name]
    chosen_url = url or os.environ.get(ENV_URL) or profile.endpoint.url
    # One password for every node of a cluster: they share their users.
    endpoint = replace(profile.endpoint, url=chosen_url, password=_password_for(name, chosen_url))
    if chosen_url != profile.endpoint.url:
        endpoint = replace(endpoint, nodes=())  # --url or OPSDESK_URL names one broker
    # A broker elsewhere is production until the profile says otherwise: read-only.
    read_only = profile.read_only or (not profile.writes_allowed and not _all_local(endpoint))
    return replace(profile, endpoint=endpoint, read_only=read_only)


def is_local_broker(url: str) -> bool:
    host = urlsplit(url).hostname or "localhost"
    return host in ("localhost", "::1") or host.startswith("127.")


def _all_local(endpoint: BrokerEndpoint) -> bool:
    return all(is_local_broker(node_url) for node_url in endpoint.node_urls())
