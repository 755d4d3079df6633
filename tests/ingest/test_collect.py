"""`opsdesk collect` end to end: the simulator publishes, the collector stores, exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from opsdesk.config import TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.simulator.engine import declare_topology, run_simulation, teardown
from opsdesk.simulator.settings import SimulatorSettings
from opsdesk.store.errors import StoreError
from opsdesk.store.event_store import EventStore
from tests.conftest import BROKER_URL, BrokerObjects, poll_until

pytestmark = pytest.mark.broker


def collect_command(db: Path, exchange: str, queue: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "opsdesk.cli", "collect",
        "--url", BROKER_URL, "--db", str(db), "--exchange", f"{exchange}:#",
        "--queue", queue, *extra,
    ]  # fmt: skip


def stored_events(db: Path) -> int:
    try:
        with EventStore(db, readonly=True) as store:
            return store.count()
    except StoreError:
        return 0  # not created yet


def declare_tap_queue(broker: BrokerObjects, queue: str, exchange: str) -> None:
    """Declare the tap queue as the collector would, so events published first are kept."""
    args = TapSettings(queue=queue).queue_arguments()
    broker.channel.queue_declare(queue, durable=True, arguments=args)
    broker.channel.queue_bind(queue, exchange, "#")
    broker.track_queue(queue)


def test_simulated_events_are_collected_exactly_once(broker, unique_name, tmp_path) -> None:
    settings = SimulatorSettings(
        endpoint=BrokerEndpoint(BROKER_URL),
        exchange=unique_name + ".events",
        rate=2000,
        count=300,
        seed=7,
        with_processor=False,
        poison_rate=0.0,
        prefix=unique_name,
    )
    exchange = settings.exchange
    queue = unique_name + ".tap"
    declare_topology(broker.channel, settings)  # the simulator owns its exchange's arguments
    try:
        declare_tap_queue(broker, queue, exchange)
        summary = run_simulation(settings)
    finally:
        teardown(settings.endpoint, settings)
    assert summary.published == 300

    db = tmp_path / "history.sqlite"
    out = subprocess.run(
        collect_command(db, exchange, queue, "--idle-exit", "1.5", "--json"),
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    report = json.loads(out.stdout)
    assert report["stored"] == 300
    with EventStore(db, readonly=True) as store:
        events = store.latest(1000)
    assert len({e.event_id for e in events}) == 300
    assert Counter(e.status.value for e in events) == Counter(summary.by_status)
    assert os.stat(db).st_mode & 0o077 == 0, "history readable by its owner only"


def test_collector_killed_mid_stream_loses_and_duplicates_nothing(
    broker, unique_name, tmp_path
) -> None:
    exchange = broker.exchange(unique_name + ".x")
    queue = unique_name + ".tap"
    declare_tap_queue(broker, queue, exchange)
    total = 4000
    for i in range(total):
        body = json.dumps({"event_id": f"e{i}", "type": "payment.succeeded", "amount": i})
        broker.publish(exchange, "payment.succeeded", body.encode())
    db = tmp_path / "history.sqlite"
    profiles = tmp_path / "profiles.toml"
    # Small batches make the collector slow enough to be killed in the middle.
    profiles.write_text("[profiles.local.tap]\nbatch_size = 20\nprefetch = 40\n")
    cmd = collect_command(db, exchange, queue, "--config", str(profiles))
    first = subprocess.Popen(cmd)
    try:

        def stored_at_least_500() -> bool:
            assert first.poll() is None, "collector exited early"
            return stored_events(db) >= 500

        poll_until(stored_at_least_500, 60, "collector stored nothing")
        writers = children_of(first.pid)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert stored_events(db) < total, "killed mid-stream"
    assert writers, "collect commits in a child process"
    poll_until(lambda: not any(map(running, writers)), 30, "the writer process outlived collect")

    subprocess.run([*cmd, "--idle-exit", "1.5"], check=True, timeout=120, capture_output=True)
    with EventStore(db, readonly=True) as store:
        assert store.count() == total
        ids = {e.event_id for e in store.latest(total + 10)}
    assert ids == {f"e{i}" for i in range(total)}
    assert broker.message_count(queue) == 0


def children_of(pid: int) -> list[int]:
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").glob("*/children")
        for child in task.read_text().split()
    ]


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_collect_refuses_bad_url_with_a_clear_message(tmp_path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "opsdesk.cli", "collect", "--url", "http://x", "--db",
         str(tmp_path / "h.sqlite"), "--idle-exit", "1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    assert "amqp://" in out.stderr


def test_collect_without_broker_says_so(tmp_path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "opsdesk.cli", "collect", "--url",
         "amqp://guest:secret@127.0.0.1:1/%2F", "--db", str(tmp_path / "h.sqlite"),
         "--idle-exit", "2"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 1
    assert "never connected" in out.stderr
    assert "secret" not in out.stderr + out.stdout, "password never printed"
