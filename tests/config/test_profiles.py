"""Profiles: defaults, the TOML file, and what overrides what."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.config import Binding, ConfigError, load_profiles, resolve_profile

DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def test_default_profile_points_at_local_broker(tmp_path: Path) -> None:
    profile = resolve_profile(config_path=tmp_path / "absent.toml")
    assert profile.name == "local"
    assert profile.endpoint.url == DEFAULT_URL
    assert profile.bindings == (Binding("payments.events", "#"),)
    assert profile.tap.queue.startswith("opsdesk.tap.local.")
    assert profile.tap.queue_arguments() == {"x-overflow": "drop-head", "x-max-length": 1_000_000}


def test_profiles_file_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        """
[profiles.prod]
url = "amqps://ops@rabbit.example:5671/payments"
read_only = true
ca_file = "/etc/ssl/corp-ca.pem"
[[profiles.prod.bindings]]
exchange = "payments.events"
routing_key = "payment.*"
[[profiles.prod.bindings]]
exchange = "refunds"
[profiles.prod.tap]
queue = "desk.prod"
max_length = 5000
message_ttl_ms = 3600000
"""
    )
    prod = resolve_profile("prod", config_path=path)
    assert prod.read_only
    assert prod.endpoint.ca_file == "/etc/ssl/corp-ca.pem"
    assert prod.bindings == (Binding("payments.events", "payment.*"), Binding("refunds", "#"))
    assert prod.tap.queue_arguments() == {
        "x-overflow": "drop-head",
        "x-max-length": 5000,
        "x-message-ttl": 3600000,
    }
    monkeypatch.setenv("OPSDESK_URL", "amqp://env@h/%2F")
    assert resolve_profile("prod", config_path=path).endpoint.url == "amqp://env@h/%2F"
    assert resolve_profile("prod", "amqp://cli@h/%2F", path).endpoint.url == "amqp://cli@h/%2F"


def test_password_from_environment_never_from_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSDESK_PASSWORD", "s3cret")
    profile = resolve_profile(config_path=tmp_path / "absent.toml")
    assert profile.endpoint.password == "s3cret"
    assert "s3cret" not in profile.endpoint.redacted_url()


@pytest.mark.parametrize(
    "text, message",
    [
        ("[profiles.x.tap]\nbogus = 1\n", "unknown tap settings"),
        ("[profiles.x.tap]\noverflow = 'reject-publish'\n", "drop-head"),
        ("not toml [", "cannot read profiles"),
    ],
)
def test_bad_profiles_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_profiles(path)


def test_a_profile_with_the_removed_decode_process_still_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text("[profiles.before-issue-10.tap]\ndecode_process = true\nbatch_size = 50\n")
    with caplog.at_level("WARNING", logger="opsdesk.config"):
        for _ in range(2):  # read again, as when a profile is saved
            profile = resolve_profile("before-issue-10", config_path=path)
    assert profile.tap.batch_size == 50
    warnings = [r.getMessage() for r in caplog.records if "decode_process" in r.getMessage()]
    assert len(warnings) == 1 and "ignored" in warnings[0]


def test_unknown_profile(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no profile 'nope'"):
        resolve_profile("nope", config_path=tmp_path / "absent.toml")


def test_binding_parse() -> None:
    assert Binding.parse("payments.events:payment.#") == Binding("payments.events", "payment.#")
    assert Binding.parse("payments.events") == Binding("payments.events", "#")
    with pytest.raises(ConfigError):
        Binding.parse(":x")


def test_profile_mappings(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        """
[[profiles.ledger.mappings]]
name = "ledger"
match = { routing_key = "ledger.#" }
fields = { payment_id = "payment.ref", amount_minor = "/payment/money/minor" }
status = { field = "state", succeeded = ["BOOKED"], failed = ["REJECTED"] }
"""
    )
    (mapping,) = load_profiles(path)["ledger"].mappings
    assert mapping.name == "ledger"
    path.write_text("[[profiles.bad.mappings]]\nname = 'x'\nbogus = 1\n")
    with pytest.raises(ConfigError, match="profile 'bad'"):
        load_profiles(path)


def test_profile_alerts(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        """
[[profiles.ops.alerts]]
name = "settlement backlog"
kind = "queue_depth"
queue = "payments.settlement"
above = 500
for_seconds = 60
"""
    )
    profiles = load_profiles(path)
    (rule,) = profiles["ops"].alerts
    assert (rule.queue, rule.threshold, rule.for_seconds) == ("payments.settlement", 500, 60)
    assert [r.kind.value for r in profiles["local"].alerts] == [
        "dead_letters",
        "broker_alarm",
        "success_rate",
    ]
    path.write_text("[[profiles.bad.alerts]]\nname = 'x'\nkind = 'nope'\n")
    with pytest.raises(ConfigError, match="profile 'bad'"):
        load_profiles(path)


def test_remote_brokers_are_read_only_unless_the_profile_says_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        """
[profiles.prod]
url = "amqps://ops@rabbit.prod.example:5671/payments"
[profiles.staging]
url = "amqp://ops@rabbit.staging.example/payments"
read_only = false
"""
    )
    assert resolve_profile("prod", config_path=path).read_only
    assert not resolve_profile("staging", config_path=path).read_only
    assert not resolve_profile(config_path=path).read_only  # local broker
    assert resolve_profile(url="amqp://g@10.1.2.3/%2F", config_path=path).read_only


def test_the_readme_profile_example_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("[profiles.prod]")
    example = tmp_path / "profiles.toml"
    example.write_text(readme[start : readme.index("```", start)])
    prod = load_profiles(example)["prod"]
    assert prod.read_only and prod.tap.queue == "opsdesk.tap.prod.alice"
    assert [rule.name for rule in prod.alerts] == ["settlement backlog"]
    assert [mapping.name for mapping in prod.mappings] == ["ledger"]


def test_each_profile_knows_the_file_it_came_from(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    assert resolve_profile(config_path=path).config_path == path  # built-in: where it would go
    path.write_text('[profiles.prod]\nurl = "amqp://ops@rabbit.example/%2F"\n')
    profiles = load_profiles(path)
    assert {name: p.config_path for name, p in profiles.items()} == {"local": path, "prod": path}
