"""Cluster profiles: `nodes` beside `url`, one password for all, single-URL profiles unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.config import ConfigError, load_profiles, resolve_profile
from opsdesk.config.endpoint import BrokerEndpoint

CLUSTER = """
[profiles.team]
url = "amqps://ops@rabbit-a.example/payments"
nodes = ["rabbit-b.example", "rabbit-c.example:5700", "rabbit-a.example:5671"]
"""


def test_a_cluster_profile_lists_every_node_once_url_first(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(CLUSTER)
    endpoint = load_profiles(path)["team"].endpoint
    assert endpoint.is_cluster
    assert endpoint.node_addresses() == (
        "rabbit-a.example:5671",
        "rabbit-b.example:5671",
        "rabbit-c.example:5700",
    )
    assert endpoint.node_urls()[2] == "amqps://ops@rabbit-c.example:5700/payments"
    assert endpoint.redacted_url() == (
        "amqps://ops@rabbit-a.example:5671,rabbit-b.example:5671,rabbit-c.example:5700/payments"
    )
    assert endpoint.host_port() == (
        "rabbit-a.example:5671, rabbit-b.example:5671 or rabbit-c.example:5700"
    )
    assert endpoint.node_label("rabbit-b.example", 5671) == (
        "amqps://ops@rabbit-b.example:5671/payments (node 2 of 3)"
    )


def test_the_password_applies_to_every_node_and_never_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(CLUSTER)
    monkeypatch.setenv("OPSDESK_PASSWORD", "s3cret")
    endpoint = resolve_profile("team", config_path=path).endpoint
    assert endpoint.password == "s3cret" and endpoint.is_cluster
    assert "s3cret" not in endpoint.redacted_url()
    with_password = BrokerEndpoint("amqp://ops:pw@a:5672/%2F", nodes=("b:5672",))
    assert with_password.redacted_url() == "amqp://ops:***@a:5672,b:5672/%2F"
    assert with_password.node_label("b", 5672) == "amqp://ops:***@b:5672/%2F (node 2 of 2)"


def test_a_url_given_on_the_command_line_names_one_broker(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(CLUSTER)
    endpoint = resolve_profile("team", "amqp://ops@other:5672/%2F", path).endpoint
    assert not endpoint.is_cluster and endpoint.node_addresses() == ("other:5672",)


def test_single_url_profiles_are_unchanged(tmp_path: Path) -> None:
    endpoint = resolve_profile(config_path=tmp_path / "absent.toml").endpoint
    assert not endpoint.is_cluster
    assert endpoint.redacted_url() == "amqp://guest:***@127.0.0.1:5672/%2F"
    assert endpoint.host_port() == "127.0.0.1:5672"
    assert endpoint.node_label("127.0.0.1", 5672) == "amqp://guest:***@127.0.0.1:5672/%2F"


def test_a_cluster_is_local_only_when_every_node_is(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        """
[profiles.mixed]
url = "amqp://guest@127.0.0.1:5781/%2F"
nodes = ["127.0.0.1:5782", "rabbit.prod.example:5672"]
[profiles.local3]
url = "amqp://guest@127.0.0.1:5781/%2F"
nodes = ["127.0.0.1:5782", "localhost:5783", "[::1]:5784"]
"""
    )
    assert resolve_profile("mixed", config_path=path).read_only
    local = resolve_profile("local3", config_path=path)
    assert not local.read_only
    assert local.endpoint.node_addresses()[-1] == "[::1]:5784"


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ('["amqp://b:5672"]', "a node is written host:port"),
        ('["ops@b:5672"]', "a node is written host:port"),
        ('["b:port"]', "a node is written host:port"),
        ('"b:5672"', "nodes is a list"),
        ("[5672]", "nodes is a list"),
    ],
)
def test_bad_nodes_are_clear_errors(tmp_path: Path, nodes: str, message: str) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(f'[profiles.bad]\nurl = "amqp://a/%2F"\nnodes = {nodes}\n')
    with pytest.raises(ConfigError, match=f"profile 'bad': {message}"):
        load_profiles(path)


def test_a_classic_tap_can_be_a_quorum_queue(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(CLUSTER + '[profiles.team.tap]\nqueue = "desk.team"\nqueue_type = "quorum"\n')
    tap = load_profiles(path)["team"].tap
    assert tap.kind == "classic"
    assert tap.queue_arguments() == {
        "x-queue-type": "quorum",
        "x-overflow": "drop-head",
        "x-max-length": 1_000_000,
    }
    assert "x-queue-type" not in load_profiles(path)["local"].tap.queue_arguments()


@pytest.mark.parametrize(
    ("tap", "message"),
    [
        ('queue_type = "stream"', 'queue_type must be "classic" or "quorum"'),
        ('queue_type = "quorum"\noverflow = "reject-publish-dlx"', "drop-head only"),
        ('kind = "stream"\nqueue = "s"\nqueue_type = "quorum"', "classic tap only"),
    ],
)
def test_bad_quorum_taps_are_clear_errors(tmp_path: Path, tap: str, message: str) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(f"[profiles.bad.tap]\n{tap}\n")
    with pytest.raises(ConfigError, match=f"profile 'bad': .*{message}"):
        load_profiles(path)


def test_a_cluster_lists_its_management_apis(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        CLUSTER + '[profiles.team.monitor]\nmanagement_url = ["https://m1:15671", "https://m2"]\n'
    )
    assert load_profiles(path)["team"].monitor.management_url == "https://m1:15671, https://m2"


def test_the_readme_cluster_example_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("[profiles.cluster]")
    example = tmp_path / "profiles.toml"
    example.write_text(readme[start : readme.index("```", start)])
    profile = load_profiles(example)["cluster"]
    assert profile.endpoint.node_addresses() == (
        "rabbit-1.prod.example:5671",
        "rabbit-2.prod.example:5671",
        "rabbit-3.prod.example:5671",
    )
    assert profile.tap.queue_arguments()["x-queue-type"] == "quorum"
    assert profile.read_only
