"""A profile's replay table: request types, a replay destination, the guards' limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.config import ConfigError, load_profiles
from opsdesk.config.profiles import ReplaySettings


def _profile_with(tmp_path: Path, table: str) -> ReplaySettings:
    path = tmp_path / "profiles.toml"
    path.write_text(f'[profiles.p]\nurl = "amqp://127.0.0.1/%2F"\n[profiles.p.replay]\n{table}\n')
    return load_profiles(path)["p"].replay


def test_without_a_table_replays_payment_requests_where_they_were_published(
    tmp_path: Path,
) -> None:
    settings = load_profiles(tmp_path / "absent.toml")["local"].replay
    assert settings == ReplaySettings()
    assert settings.request_types == ("payment.requested",)
    assert (settings.exchange, settings.routing_key, settings.queue) == (None, None, None)
    assert (settings.recent_minutes, settings.max_attempts) == (10.0, 3)


def test_a_table_sets_types_destination_and_limits(tmp_path: Path) -> None:
    settings = _profile_with(
        tmp_path,
        'request_types = ["payment.created", "payment.requested"]\n'
        'exchange = "payments.retry"\nrouting_key = "payment.requested"\n'
        "recent_minutes = 5\nmax_attempts = 2",
    )
    assert settings == ReplaySettings(
        ("payment.created", "payment.requested"),
        "payments.retry",
        "payment.requested",
        None,
        5.0,
        2,
    )
    assert _profile_with(tmp_path, 'queue = "payments.processing"').queue == "payments.processing"


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("request_type = ['x']", "unknown replay settings ['request_type']"),
        ("request_types = []", "request_types"),
        ("request_types = [1]", "request_types"),
        ('queue = "q"\nexchange = "x"', "not both"),
        ('routing_key = "k"', "needs an exchange"),
        ('queue = ""', "must not be empty"),
        ("exchange = 3", "exchange must be text"),
        ("recent_minutes = -1", "recent_minutes"),
        ('recent_minutes = "10"', "recent_minutes"),
        ("max_attempts = 0", "max_attempts"),
        ("max_attempts = 2.5", "max_attempts"),
        ("max_attempts = true", "max_attempts"),
    ],
)
def test_a_wrong_table_is_refused_saying_what_is_wrong(
    tmp_path: Path, table: str, words: str
) -> None:
    with pytest.raises(ConfigError, match="profile 'p'") as caught:
        _profile_with(tmp_path, table)
    assert words in str(caught.value)


def test_the_readme_profile_example_has_a_replay_table(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("[profiles.prod]")
    example = tmp_path / "profiles.toml"
    example.write_text(readme[start : readme.index("```", start)])
    assert load_profiles(example)["prod"].replay == ReplaySettings(
        recent_minutes=10, max_attempts=3
    )
