"""The whole window with a Kafka cluster beside the RabbitMQ tap: a record produced to Tansu
shows in Live and in History as topic/partition@offset, and History's filter takes its topic."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from opsdesk.config import Profile
from opsdesk.config.tap_settings import TapSettings
from opsdesk.ingest.tap_state import TapPhase
from opsdesk.ui.connection_status import ConnectionStatusWidget
from opsdesk.ui.desk import Desk, build_desk
from opsdesk.ui.event_cells import COL_ROUTING_KEY
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.main_thread_gc import collect_due
from opsdesk.ui.settings import UiSettings
from tests.conftest import BrokerObjects
from tests.kafka.conftest import Tansu
from tests.kafka.kafka_desk import kafka_settings, native_records, positions, produce
from tests.operations.conftest import make_profile
from tests.ui.conftest import (  # noqa: F401  (the UI tests' Qt fixtures, found by name)
    _OFFSCREEN_LIMITS,
    _collect_on_the_ui_thread,
    _private_qsettings,
)

pytestmark = [pytest.mark.broker, pytest.mark.qt_log_ignore(_OFFSCREEN_LIMITS)]
WAIT_MS = 20_000


@pytest.fixture
def desk(
    qtbot: QtBot, tansu: Tansu, topic: str, broker: BrokerObjects, unique_name: str,
    tmp_path: Path,
) -> Iterator[Desk]:  # fmt: skip
    """A desk on the real broker (its own tap queue) and on `topic`."""
    tap = TapSettings(queue=broker.track_queue(f"{unique_name}.tap"))
    profile = replace(make_profile(), tap=tap, kafka=(kafka_settings(tansu.bootstrap, topic),))
    with running_desk(qtbot, profile, tmp_path) as built:
        yield built


@contextmanager
def running_desk(qtbot: QtBot, profile: Profile, tmp_path: Path) -> Iterator[Desk]:
    """The whole desk as build_desk makes it, history in `tmp_path`; every thread it started
    ends when it stops."""
    settings = UiSettings(QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    before = set(threading.enumerate())
    built = build_desk(profile, tmp_path / "history.sqlite", settings)
    built.window.show()
    qtbot.waitExposed(built.window)
    built.start()
    try:
        yield built
    finally:
        built.window.close()
        built.stop()
        started = [t for t in threading.enumerate() if t not in before]
        for thread in started:
            thread.join(10)
        assert not [t.name for t in started if t.is_alive()], "threads left running"
        built.window.deleteLater()
        QApplication.processEvents()
        collect_due()


def test_a_kafka_record_shows_in_live_and_history_as_topic_partition_offset(
    qtbot: QtBot, desk: Desk, tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    window = desk.window
    status = window.findChild(ConnectionStatusWidget, "kafkaStatus-test")
    assert status is not None and status.toolTip() == f"Kafka cluster 'test': topic {topic}"
    menus = [a.menu() for a in window.menuBar().actions() if a.text() == "T&ools"]
    assert "Browse &Kafka Topic…" in [a.text() for a in menus[0].actions()]
    db = tmp_path / "history.sqlite"
    # A new desk starts at each partition's end: produce once it has stored where that is.
    qtbot.waitUntil(lambda: len(positions(db, "test", topic)) == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: status.state.phase is TapPhase.CONNECTED, timeout=WAIT_MS)

    ((place, _),) = produce(tansu.bootstrap, topic, native_records(7, 1)).items()
    expected = f"{topic}/{place[1]}"
    live = window.live.model
    qtbot.waitUntil(
        lambda: any(
            live.index(row, COL_ROUTING_KEY).data() == expected for row in range(live.rowCount())
        ),
        timeout=WAIT_MS,
    )

    history = window.findChild(HistoryPanel)
    assert history is not None
    window.show_panel(history)
    history.filter_bar.exchange_edit.setFocus()
    qtbot.keyClicks(history.filter_bar.exchange_edit, f"topic:{topic}")
    qtbot.keyClick(history.filter_bar.exchange_edit, Qt.Key.Key_Return)
    model = history.model
    qtbot.waitUntil(lambda: model.filter.exchange == f"kafka:{topic}", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: model.complete and model.rowCount() == 1, timeout=WAIT_MS)
    assert model.index(0, COL_ROUTING_KEY).data() == expected
    qtbot.waitUntil(lambda: "stored 1" in status.counters_text(), timeout=WAIT_MS)
