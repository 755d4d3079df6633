"""The whole desk as a user gets it: a profile on the real broker, the simulator publishing.

Each journey gets its own exchange, simulator queues and tap queue (deleted afterwards), its
own history file, UI settings file and profiles.toml. The window is closed the way Ctrl+Q
closes it, the desk stopped as the application's aboutToQuit stops it, and every thread the
desk started must have ended. A crash report, an ERROR record from an opsdesk logger or a
visible critical message box fails the journey (see trouble_watch).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from opsdesk.config import Profile, resolve_profile
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.simulator.engine import declare_topology, teardown
from opsdesk.simulator.settings import SimulatorSettings
from opsdesk.simulator.topology import SimulatedTopology
from opsdesk.ui.desk import Desk, build_desk
from opsdesk.ui.main_thread_gc import collect_due
from opsdesk.ui.main_window import MainWindow
from opsdesk.ui.settings import UiSettings
from tests.conftest import BROKER_URL, BrokerObjects
from tests.journeys.operator import Operator
from tests.journeys.payment_traffic import PaymentTraffic
from tests.journeys.trouble_watch import TroubleWatch

# The Qt fixtures of the UI tests apply here too: private QSettings, garbage collected on
# the UI thread, and the offscreen platform's harmless warnings ignored.
from tests.ui.conftest import (  # noqa: F401  (fixtures are found by name)
    _OFFSCREEN_LIMITS,
    _collect_on_the_ui_thread,
    _private_qsettings,
)

_HERE = Path(__file__).parent
# Combo-box lists and menus pop up here too, which the offscreen platform cannot grab for.
_OFFSCREEN_GRABS = r"^This plugin does not support grabbing the (keyboard|mouse)$"
PROFILE = "journey"
RATE = 20.0  # events per second: a modest payment system
FAILURE_RATE = 0.3  # enough failed payments to find one within seconds
SEED = 9
CLOSE_TIMEOUT_S = 20.0
_WATCH = pytest.StashKey["TroubleWatch"]()
_CALL_FAILED = pytest.StashKey[bool]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(_OFFSCREEN_LIMITS, _OFFSCREEN_GRABS))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Trouble nobody waited on still fails the journey, in its call (so xfail applies)."""
    try:
        result = yield
    except BaseException:
        item.stash[_CALL_FAILED] = True
        raise
    watch = item.stash.get(_WATCH, None)
    if watch is not None:
        QApplication.processEvents()  # crash reports arrive queued
        problems = watch.problems()
        if problems:
            item.stash[_CALL_FAILED] = True
            pytest.fail("\n\n".join(problems), pytrace=False)
    return result


@dataclass(frozen=True)
class JourneyBroker:
    """The names one journey uses on the broker."""

    exchange: str
    tap_queue: str
    topology: SimulatedTopology
    simulator: SimulatorSettings


@dataclass
class RunningDesk:
    desk: Desk
    window: MainWindow
    profile: Profile
    db_path: Path
    operator: Operator


@pytest.fixture
def journey_broker(broker: BrokerObjects, unique_name: str) -> Iterator[JourneyBroker]:
    exchange = f"{unique_name}.events"
    simulator = SimulatorSettings(
        endpoint=BrokerEndpoint(url=BROKER_URL),
        exchange=exchange,
        rate=RATE,
        failure_rate=FAILURE_RATE,
        seed=SEED,
    )
    tap_queue = broker.track_queue(f"{unique_name}.tap")  # the desk declares it
    declare_topology(broker.channel, simulator)  # before the desk: its tap binds at once
    try:
        yield JourneyBroker(exchange, tap_queue, simulator.topology(), simulator)
    finally:
        teardown(simulator.endpoint, simulator)
        # A long journey leaves the fixture's connection idle past the broker's heartbeat
        # timeout (nothing services a blocking connection meanwhile): clean up on a fresh one.
        broker.reconnect()


@pytest.fixture
def profiles_toml(
    journey_broker: JourneyBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The user's profiles.toml (OPSDESK_CONFIG points at it, as a user's config folder)."""
    topology = journey_broker.topology
    watched = [*topology.queues(), journey_broker.tap_queue]
    path = tmp_path / "profiles.toml"
    path.write_text(
        f"""
[profiles.{PROFILE}]
url = "{BROKER_URL.replace(":guest@", "@")}"  # the password comes from OPSDESK_PASSWORD
operator = "journey-tester"

[[profiles.{PROFILE}.bindings]]
exchange = "{journey_broker.exchange}"
routing_key = "#"

[profiles.{PROFILE}.tap]
queue = "{journey_broker.tap_queue}"

[profiles.{PROFILE}.monitor]
queues = {watched!r}
interval = 1
""".replace("'", '"'),
        encoding="utf-8",
    )
    monkeypatch.setenv("OPSDESK_CONFIG", str(path))
    monkeypatch.setenv("OPSDESK_PASSWORD", "guest")
    return path


@pytest.fixture
def traffic(journey_broker: JourneyBroker) -> Iterator[PaymentTraffic]:
    """The payment system publishing at a modest rate, stopped after the desk has closed."""
    running = PaymentTraffic(journey_broker.simulator)
    running.start()
    try:
        yield running
    finally:
        running.stop()
    assert running.error is None, f"the simulator failed: {running.error!r}"


@dataclass
class DeskLauncher:
    """Opens desks as `opsdesk` does and closes each the way Ctrl+Q does."""

    qtbot: QtBot
    tmp_path: Path
    watch: TroubleWatch
    open_desks: list[tuple[RunningDesk, set[threading.Thread]]] = field(default_factory=list)

    def open(self) -> RunningDesk:
        profile = resolve_profile(PROFILE)  # a fresh load of profiles.toml, as at start-up
        settings = UiSettings(QSettings(str(self.tmp_path / "ui.ini"), QSettings.Format.IniFormat))
        db_path = self.tmp_path / "history.sqlite"
        before = set(threading.enumerate())
        desk = build_desk(profile, db_path, settings, log_file=self.tmp_path / "opsdesk.log")
        window = desk.window
        window.show()
        self.qtbot.waitExposed(window)
        window.activateWindow()
        self.qtbot.waitUntil(window.isActiveWindow)
        desk.start()
        running = RunningDesk(
            desk, window, profile, db_path, Operator(self.qtbot, window, self.watch)
        )
        self.open_desks.append((running, before))
        return running

    def close(self, running: RunningDesk) -> None:
        """Ctrl+Q, then what aboutToQuit runs; every thread the desk started must end."""
        entry = next(e for e in self.open_desks if e[0] is running)
        self.open_desks.remove(entry)
        window = running.window
        try:
            if window.isVisible():
                window.activateWindow()
                self.qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
                if window.isVisible():  # a modal dialog kept the key: the same action, by hand
                    window.quit_action.trigger()
                assert not window.isVisible(), "the quit action did not close the window"
        finally:
            running.desk.stop()
            _assert_threads_ended(entry[1])
            window.deleteLater()
            QApplication.processEvents()
            collect_due()

    def close_all(self) -> None:
        while self.open_desks:
            self.close(self.open_desks[-1][0])


def _assert_threads_ended(before: set[threading.Thread]) -> None:
    started = [t for t in threading.enumerate() if t not in before]
    for thread in started:
        thread.join(CLOSE_TIMEOUT_S / max(len(started), 1))
    alive = [t.name for t in started if t.is_alive()]
    assert not alive, f"threads still running after the desk stopped: {alive}"


@pytest.fixture
def launcher(
    qtbot: QtBot,
    request: pytest.FixtureRequest,
    profiles_toml: Path,
    traffic: PaymentTraffic,
    tmp_path: Path,
) -> Iterator[DeskLauncher]:
    watch = TroubleWatch()
    watch.install()
    request.node.stash[_WATCH] = watch
    launcher = DeskLauncher(qtbot, tmp_path, watch)
    try:
        yield launcher
    finally:
        try:
            launcher.close_all()
        finally:
            watch.uninstall()
            gc.collect()
    if not request.node.stash.get(_CALL_FAILED, False):
        # Closing is part of every journey: trouble while closing fails it too.
        problems = watch.problems()
        assert not problems, "\n\n".join(problems)


@pytest.fixture
def desk(launcher: DeskLauncher) -> RunningDesk:
    """One desk, open and started, with events flowing from the simulator."""
    return launcher.open()
