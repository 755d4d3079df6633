"""A team of desks on one stream: `opsdesk collect` processes while a publisher runs.

Three desks follow the stream from the start; one is killed (SIGKILL) and restarted, one is
stopped (SIGTERM) and restarted, and a fourth starts late with `--backfill first`. Every
history must then hold every published event exactly once, compared by event id, and every
restart must have read nothing twice: its position resumed it exactly where it ended.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pika
import pytest

from opsdesk.store.errors import StoreError
from opsdesk.store.event_store import EventStore
from opsdesk.store.source_positions import LogPositions, read_positions
from tests.conftest import BROKER_URL, poll_until
from tests.ingest.stream_desk import event_ids
from tests.ingest.test_collect import children_of, running
from tests.ingest.test_tap import native_event

pytestmark = pytest.mark.broker

TOTAL = 4000


class Desk:
    """One `opsdesk collect` process on the team's stream, with its own history."""

    def __init__(self, name: str, tmp_path: Path, config: Path) -> None:
        self.name = name
        self.db = tmp_path / f"{name}.sqlite"
        self._config = config
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self.connected = threading.Event()
        self.log: list[str] = []  # its stderr, for the failure messages
        self.summaries: list[dict[str, Any]] = []

    def start(self, *extra: str) -> None:
        self.connected.clear()
        command = [
            sys.executable, "-m", "opsdesk.cli", "collect", "-v", "--config", str(self._config),
            "--profile", "team", "--db", str(self.db), "--idle-exit", "2", "--json", *extra,
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self._reader = threading.Thread(target=self._read_log, args=(self._process,))
        self._reader.start()

    def stored(self) -> int:
        try:
            with EventStore(self.db, readonly=True) as store:
                return store.count()
        except StoreError:
            return 0  # not created yet

    def kill(self) -> None:
        process = self._process
        assert process is not None
        writers = children_of(process.pid)
        process.send_signal(signal.SIGKILL)
        self._end()
        poll_until(lambda: not any(map(running, writers)), 30, "writer outlived its desk")

    def stop(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGTERM)
        self.finish()

    def finish(self, timeout: float = 60) -> None:
        """Wait for it to exit (idle), keeping its summary."""
        process = self._process
        assert process is not None
        stdout = self._end(timeout)
        assert process.returncode == 0, f"{self.name} exited {process.returncode}"
        self.summaries.append(json.loads(stdout))

    def _end(self, timeout: float = 30) -> str:
        process, reader = self._process, self._reader
        assert process is not None and reader is not None
        stdout = process.stdout.read() if process.stdout else ""  # until it exits
        process.wait(timeout)
        reader.join(timeout)
        self._process = None
        return stdout

    def _read_log(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self.log.append(line)
            if "tap connected" in line:
                self.connected.set()


RATE = 1_000.0  # events per second the publisher keeps to


class Publisher(threading.Thread):
    """Publishes TOTAL native events (message ids m-0...) with confirms, ~1,000 a second."""

    def __init__(self, exchange: str) -> None:
        super().__init__(name="stream-publisher")
        self.exchange = exchange
        self.published = 0

    def run(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        channel = connection.channel()
        channel.confirm_delivery()
        # Paced on a schedule (not synchronisation): the desks are stopped and killed while
        # it publishes, so it must last seconds, not finish in a burst.
        start = time.monotonic()
        try:
            for i in range(TOTAL):
                properties = pika.BasicProperties(message_id=f"m-{i}")
                channel.basic_publish(
                    self.exchange, "payment.succeeded", native_event(i), properties
                )
                self.published = i + 1
                ahead = start + self.published / RATE - time.monotonic()
                if ahead > 0:
                    connection.process_data_events(time_limit=ahead)
        finally:
            connection.close()


def team_profile(tmp_path: Path, exchange: str, stream: str) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(
        f'[profiles.team]\nurl = "{BROKER_URL}"\n'
        f'[[profiles.team.bindings]]\nexchange = "{exchange}"\nrouting_key = "payment.#"\n'
        f'[profiles.team.tap]\nkind = "stream"\nqueue = "{stream}"\nmax_age = "1h"\n'
        "batch_size = 50\nprefetch = 200\nbatch_interval = 0.05\n"
    )
    return path


def test_desks_on_one_stream_each_hold_every_event_once(stream_setup, tmp_path: Path) -> None:
    exchange, stream, _ = stream_setup
    config = team_profile(tmp_path, exchange, stream)
    killed, stopped, steady, late = (Desk(n, tmp_path, config) for n in "ABCD")
    desks = (killed, stopped, steady, late)
    publisher = Publisher(exchange)
    try:
        for desk in (killed, stopped, steady):
            desk.start()
        for desk in (killed, stopped, steady):
            assert desk.connected.wait(60), f"{desk.name} never connected: {desk.log[-5:]}"
        publisher.start()
        poll_until(lambda: killed.stored() >= 800, 60, "A stored nothing", interval=0.2)
        killed.kill()
        killed.start()
        poll_until(lambda: stopped.stored() >= 1600, 60, "B stored nothing", interval=0.2)
        stopped.stop()
        stopped.start()
        poll_until(lambda: publisher.published >= 2500, 60, "publisher stalled", interval=0.2)
        late.start("--backfill", "first")
        publisher.join(60)
        for desk in desks:
            desk.finish()  # idle for 2 s once the publisher is done
    finally:
        if publisher.is_alive():
            publisher.join(60)
        for desk in desks:
            if desk._process is not None:
                desk.kill()

    expected = Counter(f"m-{i}" for i in range(TOTAL))
    for desk in desks:
        stored = Counter(event_ids(desk.db))
        assert stored == expected, f"{desk.name}: {len(stored)} events; {desk.log[-8:]}"
        with EventStore(desk.db, readonly=True) as store:
            log = f"rabbitmq-stream://{stream}"  # the default vhost's stream
            assert read_positions(store.db.conn, log) == LogPositions(live=TOTAL - 1)
    # Read nothing twice: a restart resumed exactly after the last committed batch.
    for desk in desks:
        assert [s["duplicates"] for s in desk.summaries] == [0] * len(desk.summaries), desk.name
    assert [len(d.summaries) for d in desks] == [1, 2, 1, 1]
    assert sum(s["stored"] for s in stopped.summaries) == TOTAL
    backfill = late.summaries[0]["backfill"]
    assert backfill["done"] and backfill["stored"] > 0, "the late desk backfilled, then followed"
