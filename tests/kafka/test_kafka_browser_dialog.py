"""The window's topic browser against Tansu: pages read on a thread, every record once, the
selected one in the queue message's detail view; the Tools menu offers it only with clusters."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMenu
from pytestqt.qtbot import QtBot

from opsdesk.ui.operations.browse_table_model import COL_ROUTING_KEY
from opsdesk.ui.operations.kafka_browser_dialog import KafkaBrowserDialog, install_kafka_browser
from opsdesk.ui.operations.kafka_browser_form import START_OFFSET
from tests.kafka.conftest import Tansu
from tests.kafka.kafka_desk import kafka_settings, native_records, produce
from tests.operations.conftest import make_profile
from tests.ui.conftest import (  # noqa: F401  (the UI tests' Qt fixtures, found by name)
    _OFFSCREEN_LIMITS,
    _collect_on_the_ui_thread,
    _private_qsettings,
)

pytestmark = pytest.mark.qt_log_ignore(_OFFSCREEN_LIMITS)
WAIT_MS = 20_000


@pytest.fixture
def no_threads_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    started = [t for t in threading.enumerate() if t not in before]
    for thread in started:
        thread.join(15)
    assert not [t.name for t in started if t.is_alive()], "threads left running"


def shown_keys(dialog: KafkaBrowserDialog) -> list[str]:
    model = dialog.model
    return [model.index(row, COL_ROUTING_KEY).data() for row in range(model.rowCount())]


def test_pages_of_a_topic_each_record_once_and_one_in_the_detail_view(
    qtbot: QtBot, tansu: Tansu, topic: str, tmp_path: Path, no_threads_left: None
) -> None:
    places = produce(tansu.bootstrap, topic, native_records(0, 7))
    profile = replace(make_profile(), kafka=(kafka_settings(tansu.bootstrap, topic),))
    dialog = KafkaBrowserDialog(profile, tmp_path / "history.sqlite", page_size=2)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.form.topic_combo.currentText() == topic

    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.browse_button.isEnabled(), timeout=WAIT_MS)
    first = shown_keys(dialog)
    assert 2 <= len(first) <= 6, "two records at most of each partition on a page"
    pages = 1
    while dialog.more_button.isEnabled():
        assert pages < 7, "the pages end"
        qtbot.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.browse_button.isEnabled(), timeout=WAIT_MS)
        pages += 1
    keys = shown_keys(dialog)
    assert sorted(keys) == sorted(place for _, place in places), "every record once"
    assert keys[: len(first)] == first, "a page adds to what is shown"
    assert "nothing more to read" in dialog.result_label.text()

    row = keys.index(next(p for (_, p), _n in places.items()))
    dialog.table.selectRow(row)
    shown = dialog.details.summary.toPlainText() + dialog.details.payload.toPlainText()
    assert f"kafka:{topic}" in shown and keys[row] in shown and '"kafka_key": "pay-' in shown

    dialog.form.start_combo.setCurrentText(START_OFFSET)
    dialog.form.offset_edit.setText("1")
    dialog.form.partition_spin.setValue(int(keys[row].split("@")[0]))
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.browse_button.isEnabled(), timeout=WAIT_MS)
    assert all(k.startswith(keys[row].split("@")[0] + "@") for k in shown_keys(dialog))
    assert "@0" not in " ".join(shown_keys(dialog)), "from offset 1"

    dialog.form.topic_combo.setEditText("no.such.topic")
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=WAIT_MS)
    assert "no topic 'no.such.topic'" in dialog.banner.text()
    dialog.shutdown()


def test_the_tools_menu_offers_it_only_when_the_profile_has_kafka_clusters(
    qtbot: QtBot, tansu: Tansu, topic: str, tmp_path: Path, no_threads_left: None
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = window.menuBar().addMenu("T&ools")
    install_kafka_browser(window, menu, make_profile(), tmp_path / "h.sqlite")
    assert not menu.actions()

    profile = replace(make_profile(), kafka=(kafka_settings(tansu.bootstrap, topic),))
    shutdown = install_kafka_browser(window, menu, profile, tmp_path / "h.sqlite")
    (action,) = [a for a in menu.actions() if not a.isSeparator()]
    assert action.text() == "Browse &Kafka Topic…" and isinstance(menu, QMenu)
    action.trigger()
    dialog = window.findChild(KafkaBrowserDialog)
    assert dialog is not None and dialog.isVisible()
    shutdown()
    assert not dialog.isVisible()
