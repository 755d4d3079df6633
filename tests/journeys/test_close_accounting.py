"""Closing the desk mid-ingest loses nothing: every event accounted for by id.

While the simulator publishes ≥ 300 events/s, the desk is closed (the quit action, which
Ctrl+Q and the close button share), sent SIGTERM, or killed with SIGKILL; `opsdesk collect`
then drains the rest into the same history. An independent capture queue bound to the same
exchange with the same key holds what the desk should have: the history must match it id for
id, with nothing missing and nothing stored twice.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pika
import pytest
from PySide6.QtCore import QSettings

from opsdesk.broker.deliveries import Delivery, to_raw_message
from opsdesk.config import resolve_profile
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.events.decode import decode_many
from opsdesk.simulator.engine import declare_topology, teardown
from opsdesk.simulator.settings import SimulatorSettings
from opsdesk.ui.desk import build_desk
from opsdesk.ui.settings import UiSettings
from tests.conftest import BROKER_URL, BrokerObjects, poll_until

pytestmark = [
    pytest.mark.broker,
    # The offscreen platform cannot raise windows or honour size hints; it says so.
    pytest.mark.qt_log_ignore(r"^This plugin does not support \w+\(\)$"),
]
PROFILE_URL = "amqp://127.0.0.1:5672/%2F"  # guest/guest, pika's default; no password in the file

RATE = 400.0  # events per second; the issue asks for at least 300
BINDING = "payment.#"
STORED_BEFORE_CLOSE = 1500  # about four seconds of traffic reach the history first


@dataclass
class Setup:
    config: Path
    db_path: Path
    exchange: str
    tap_queue: str
    capture_queue: str
    env: dict[str, str]


@pytest.fixture
def setup(broker: BrokerObjects, unique_name: str, tmp_path: Path) -> Iterator[Setup]:
    exchange = unique_name + ".events"
    tap_queue = broker.track_queue(unique_name + ".tap")
    capture_queue = broker.track_queue(unique_name + ".capture")
    config = tmp_path / "profiles.toml"
    config.write_text(
        f"""
[profiles.acct]
url = "{PROFILE_URL}"
[[profiles.acct.bindings]]
exchange = "{exchange}"
routing_key = "{BINDING}"
[profiles.acct.tap]
queue = "{tap_queue}"
[profiles.acct.monitor]
queues = ["{tap_queue}"]
""",
        encoding="utf-8",
    )
    simulator = SimulatorSettings(endpoint=BrokerEndpoint(url=BROKER_URL), exchange=exchange)
    # Everything bound before the first publish, so both queues see the same messages.
    declare_topology(broker.channel, simulator)
    profile = resolve_profile("acct", config_path=config)
    broker.channel.queue_declare(tap_queue, durable=True, arguments=profile.tap.queue_arguments())
    broker.channel.queue_declare(capture_queue, durable=True)
    for queue in (tap_queue, capture_queue):
        broker.channel.queue_bind(queue, exchange, routing_key=BINDING)
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    env["OPSDESK_CONFIG"] = str(config)
    env["QT_QPA_PLATFORM"] = "offscreen"
    yield Setup(config, tmp_path / "history.sqlite", exchange, tap_queue, capture_queue, env)
    teardown(simulator.endpoint, simulator)


def _opsdesk(setup: Setup, *args: str) -> list[str]:
    return [sys.executable, "-m", "opsdesk.cli", *args]


def _start_simulator(setup: Setup) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        _opsdesk(
            setup,
            "simulate",
            "--profile",
            "acct",
            "--exchange",
            setup.exchange,
            "--rate",
            str(RATE),
            "--duration",
            "120",
            "--seed",
            "9",
        ),
        env=setup.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop_simulator(simulator: subprocess.Popen[bytes]) -> None:
    simulator.send_signal(signal.SIGINT)
    try:
        simulator.wait(30)
    finally:
        if simulator.poll() is None:
            simulator.kill()
            simulator.wait()


def _stored_count(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("select count(*) from events").fetchone()[0])
    except sqlite3.OperationalError:  # created but not yet migrated
        return 0


def _stored_ids(db_path: Path) -> list[str]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute("select event_id from events")]


def _captured_ids(setup: Setup) -> list[str]:
    """Every message of the capture queue, decoded as the desk decodes it: its event ids."""
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    ids: list[str] = []
    try:
        channel = connection.channel()
        for method, props, body in channel.consume(
            setup.capture_queue, auto_ack=True, inactivity_timeout=1.0
        ):
            if method is None:
                break
            delivery = Delivery(
                method.delivery_tag, method.exchange, method.routing_key, False, props, body
            )
            ids += [e.event_id for e in decode_many(to_raw_message(delivery), "2026-01-01Z")]
        channel.cancel()
    finally:
        connection.close()
    return ids


def _drain_and_account(setup: Setup) -> None:
    collect = subprocess.run(
        _opsdesk(
            setup, "collect", "--profile", "acct", "--db", str(setup.db_path), "--idle-exit", "2"
        ),
        env=setup.env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert collect.returncode == 0, collect.stderr.decode(errors="replace")
    stored = _stored_ids(setup.db_path)
    captured = _captured_ids(setup)
    assert len(captured) > STORED_BEFORE_CLOSE
    assert len(set(captured)) == len(captured), "the simulator's events have distinct ids"
    missing = set(captured) - set(stored)
    extra = set(stored) - set(captured)
    assert not missing, f"{len(missing)} events lost, e.g. {sorted(missing)[:3]}"
    assert not extra, f"{len(extra)} events stored that were never published: {sorted(extra)[:3]}"
    assert len(stored) == len(captured), "an event stored twice"


def test_quit_action_mid_ingest_loses_nothing(qtbot, setup: Setup, tmp_path: Path) -> None:
    """The path Ctrl+Q and the window's close button take, on the whole desk."""
    profile = resolve_profile("acct", config_path=setup.config)
    settings = UiSettings(QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    simulator = _start_simulator(setup)
    try:
        desk = build_desk(profile, setup.db_path, settings)
        qtbot.addWidget(desk.window)
        desk.window.show()
        desk.start()
        try:
            qtbot.waitUntil(
                lambda: _stored_count(setup.db_path) >= STORED_BEFORE_CLOSE, timeout=30_000
            )
            desk.window.quit_action.trigger()
            assert not desk.window.isVisible()
        finally:
            desk.stop()  # what the application's aboutToQuit runs
    finally:
        _stop_simulator(simulator)
    _drain_and_account(setup)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_signal_mid_ingest_loses_nothing(setup: Setup, how: signal.Signals) -> None:
    simulator = _start_simulator(setup)
    gui = subprocess.Popen(
        _opsdesk(setup, "gui", "--profile", "acct", "--db", str(setup.db_path)),
        env=setup.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        poll_until(
            lambda: _stored_count(setup.db_path) >= STORED_BEFORE_CLOSE or gui.poll() is not None,
            timeout=60,
            failure="the desk stored too little",
        )
        assert gui.poll() is None, gui.stderr.read().decode(errors="replace") if gui.stderr else ""
        gui.send_signal(how)
        gui.wait(30)
    finally:
        if gui.poll() is None:
            gui.kill()
            gui.wait()
        _stop_simulator(simulator)
    if how is signal.SIGTERM:
        assert gui.returncode == 0, "SIGTERM quits the desk cleanly"
    _drain_and_account(setup)
