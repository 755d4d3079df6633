"""`opsdesk queues` against the real broker: a table for people, JSON for scripts."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsdesk.commands import queues
from opsdesk.config import MonitorSettings, Profile
from tests.commands.conftest import run_command
from tests.conftest import BrokerObjects
from tests.monitor_profile import broker_url_at, closed_port, monitor_profile

pytestmark = pytest.mark.broker


def run(argv: list[str], profile: Profile) -> tuple[int, str, str]:
    ran = run_command(queues, *argv, profile=profile, history=Path("unused.sqlite"))
    return ran.code, ran.out, ran.err


def table_row(table: str, queue: str) -> list[str]:
    rows = [line.split() for line in table.splitlines()]
    assert rows[0][:4] == ["QUEUE", "READY", "UNACKED", "CONSUMERS"]
    matching = [row for row in rows if row[0] == queue]
    assert len(matching) == 1, table
    return matching[0]


def publish(broker: BrokerObjects, queue: str, count: int) -> None:
    for i in range(count):
        broker.publish("", queue, f"m{i}".encode())


def test_table_shows_the_named_queue_and_its_depth(broker: BrokerObjects, unique_name: str) -> None:
    queue = broker.queue(unique_name)
    publish(broker, queue, 3)

    code, out, err = run(["--queue", queue], monitor_profile())

    assert code == 0, err
    row = table_row(out, queue)
    assert row[1] == "3"  # READY
    assert row[3] == "0"  # CONSUMERS


def test_json_for_scripts(broker: BrokerObjects, unique_name: str) -> None:
    first, second = broker.queue(f"{unique_name}.a"), broker.queue(f"{unique_name}.b")
    publish(broker, second, 2)

    code, out, err = run(["--queue", second, "--queue", first, "--json"], monitor_profile())

    assert code == 0, err
    document = json.loads(out)
    assert document["vhost"] == "/" and document["source"] == "management"
    assert [(q["queue"], q["messages_ready"]) for q in document["queues"]] == [
        (second, 2),
        (first, 0),
    ]
    assert document["problems"] == []


def test_profile_watched_queues_are_the_default(broker: BrokerObjects, unique_name: str) -> None:
    queue = broker.queue(unique_name)
    publish(broker, queue, 1)

    code, out, _ = run(["--json"], monitor_profile((queue,)))

    assert code == 0
    assert [q["queue"] for q in json.loads(out)["queues"]] == [queue]


def test_every_queue_of_the_vhost_with_the_api(broker: BrokerObjects, unique_name: str) -> None:
    queue = broker.queue(unique_name)

    code, out, _ = run([], monitor_profile())

    assert code == 0
    assert table_row(out, queue)[1] == "0"


def test_missing_named_queue_fails_clearly(broker: BrokerObjects, unique_name: str) -> None:
    present = broker.queue(f"{unique_name}.present")
    missing = f"{unique_name}.missing"

    code, out, err = run(["--queue", present, "--queue", missing, "--json"], monitor_profile())

    assert code == 1
    assert f"queue '{missing}' does not exist" in err
    document = json.loads(out)  # scripts still get the rest, and why the missing one is absent
    assert [q["queue"] for q in document["queues"]] == [present]
    assert document["problems"][0]["queue"] == missing


def test_without_the_api_shows_ready_and_consumers_and_says_so(
    broker: BrokerObjects, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    publish(broker, queue, 2)

    code, out, err = run(["--queue", queue], monitor_profile(api=False))

    assert code == 0
    row = table_row(out, queue)
    assert row[1:4] == ["2", "-", "0"]  # ready, no unacked count, consumers
    assert "management API unavailable" in err


def test_nothing_to_show_without_names_or_api() -> None:
    code, out, err = run([], monitor_profile(api=False))
    assert code == 2
    assert out == ""
    assert "--queue" in err


def test_unreachable_broker_fails_clearly() -> None:
    url = broker_url_at(closed_port())
    code, out, err = run(["--queue", "anything"], monitor_profile(url=url, api=False))
    assert code == 1
    assert out == ""
    assert "cannot reach the broker" in err and "127.0.0.1" in err


# -- every queue of a vhost: the overview -----------------------------------------------------


def test_overview_lists_every_type_with_its_rate_source(
    broker: BrokerObjects, unique_name: str
) -> None:
    kinds = ("classic", "quorum", "stream")
    mine = {broker.queue(f"{unique_name}.{kind}", **{"x-queue-type": kind}): kind for kind in kinds}
    broker.queue(f"{unique_name}-other")

    code, out, err = run(["--all", "--match", f"^{unique_name}\\.", "--json"], monitor_profile())

    assert code == 0, err
    document = json.loads(out)
    assert document["vhost"] == "/" and document["read_at"]
    assert {q["name"]: q["type"] for q in document["queues"]} == mine
    for entry in document["queues"]:
        assert entry["rates"]["source"] in ("management", "prometheus", "pending")
        assert entry["rates"]["source_text"]
        assert entry["read_at"] == document["read_at"]


def test_overview_table_says_how_old_and_where_the_rates_come_from(
    broker: BrokerObjects, unique_name: str
) -> None:
    queue = broker.queue(unique_name, **{"x-dead-letter-exchange": "payments.dlx"})

    code, out, err = run(["--match", unique_name], monitor_profile((queue,)))

    assert code == 0, err
    row = table_row(out, queue)  # --match lists even when the profile watches queues
    assert row[7:] == ["classic", row[8], row[9], row[10], "payments.dlx"]
    assert row[10] in ("api", "prometheus", "pending")
    footer = out.splitlines()[-1]
    assert footer.startswith("1 queue in vhost '/' as of ") and "UTC; rates: " in footer


def test_overview_of_a_missing_vhost_or_with_a_bad_regex_fails_clearly() -> None:
    code, out, err = run(["--vhost", "no-such-vhost-for-opsdesk"], monitor_profile())
    assert (code, out) == (1, "")
    assert (
        err
        == "opsdesk: there is no virtual host 'no-such-vhost-for-opsdesk' (or it is not visible)\n"
    )

    code, out, err = run(["--all", "--match", "(["], monitor_profile())
    assert (code, out) == (2, "")
    assert err.startswith("opsdesk: --match is not a regular expression:")


def test_naming_and_listing_queues_at_once_is_refused() -> None:
    code, out, err = run(["--queue", "a", "--all"], monitor_profile())
    assert (code, out) == (2, "")
    assert "not both" in err


def test_overview_without_the_api_is_one_sentence() -> None:
    code, out, err = run(["--all"], monitor_profile(api=False))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("opsdesk: Nothing answers at http://127.0.0.1:")
    assert "--queue" in err


class WithoutRates(http.server.BaseHTTPRequestHandler):
    """The real management API as a broker with its rates off answers: rates_mode none, and
    queue entries without message_stats."""

    def do_GET(self) -> None:
        request = urllib.request.Request(
            "http://127.0.0.1:15672" + self.path,
            headers={"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = json.loads(answer.read())
        if self.path.startswith("/api/overview"):
            body["rates_mode"] = "none"
        elif self.path.startswith("/api/queues/"):
            for entry in body:
                entry.pop("message_stats", None)
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api_without_rates() -> Iterator[str]:
    """Its URL, on 127.0.0.1: the Prometheus endpoint beside it is the broker's (15692)."""
    server = http.server.HTTPServer(("127.0.0.1", 0), WithoutRates)
    thread = threading.Thread(target=server.serve_forever, name="api-without-rates")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_rates_from_prometheus_when_the_api_has_none(
    broker: BrokerObjects, unique_name: str, api_without_rates: str
) -> None:
    queue = broker.queue(unique_name)
    publish(broker, queue, 4)
    profile = monitor_profile()
    profile = Profile(
        name=profile.name,
        endpoint=profile.endpoint,
        bindings=(),
        tap=profile.tap,
        monitor=MonitorSettings(management_url=api_without_rates),
    )

    code, out, err = run(["--match", unique_name, "--rate-wait", "0.5", "--json"], profile)

    assert code == 0, err
    assert "the management API gives no rates; reading Prometheus again in 0.5 s" in err
    (entry,) = json.loads(out)["queues"]
    assert entry["rates"]["source"] == "prometheus"
    assert entry["rates"]["source_text"] == "prometheus"
    assert entry["rates"]["interval"] >= 0.5
    assert entry["rates"]["publish"] is not None
