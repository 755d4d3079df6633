"""The tap table of a profile: classic by default, a team's stream when it says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.config import ConfigError, TapSettings, load_profiles


def profile_tap(tmp_path: Path, table: str) -> TapSettings:
    path = tmp_path / "profiles.toml"
    path.write_text(f"[profiles.team.tap]\n{table}")
    return load_profiles(path)["team"].tap


def test_classic_is_the_default_kind(tmp_path: Path) -> None:
    tap = profile_tap(tmp_path, "batch_size = 100\n")
    assert tap.kind == "classic"
    assert tap.queue.startswith("opsdesk.tap.team.")
    assert tap.queue_arguments()["x-overflow"] == "drop-head"


def test_stream_tap_declares_a_stream_with_its_retention(tmp_path: Path) -> None:
    tap = profile_tap(
        tmp_path,
        'kind = "stream"\nqueue = "payments.desks"\nmax_age = "7D"\n'
        "max_length_bytes = 20000000000\ninitial_cluster_size = 3\nprefetch = 1000\n",
    )
    assert (tap.kind, tap.queue, tap.prefetch) == ("stream", "payments.desks", 1000)
    assert tap.queue_arguments() == {
        "x-queue-type": "stream",
        "x-max-age": "7D",
        "x-max-length-bytes": 20_000_000_000,
        "x-initial-cluster-size": 3,
    }


def test_stream_without_retention_settings_declares_only_its_type(tmp_path: Path) -> None:
    tap = profile_tap(tmp_path, 'kind = "stream"\nqueue = "s"\n')
    assert tap.queue_arguments() == {"x-queue-type": "stream"}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('kind = "kafka"\n', "tap kind must be one of classic, stream"),
        ('kind = "stream"\n', "needs `queue`"),
        ('kind = "stream"\nqueue = "s"\nmax_length = 5\n', "classic tap only"),
        ('kind = "stream"\nqueue = "s"\nmax_age = "7 days"\n', 'like "7D"'),
        ('kind = "stream"\nqueue = "s"\nmax_age = "0D"\n', 'like "7D"'),
        ('kind = "stream"\nqueue = "s"\ninitial_cluster_size = 0\n', "1 or more"),
        ('kind = "stream"\nqueue = "s"\nmax_length_bytes = true\n', "whole number"),
        ('max_age = "7D"\n', "stream tap"),
    ],
)
def test_wrong_tap_tables_are_refused_naming_the_profile(
    tmp_path: Path, table: str, message: str
) -> None:
    with pytest.raises(ConfigError, match="profile 'team'") as raised:
        profile_tap(tmp_path, table)
    assert message in str(raised.value)
