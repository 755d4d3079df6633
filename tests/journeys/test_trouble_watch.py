"""The watch that fails a journey sees each kind of trouble, once, from any thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from tests.journeys.trouble_watch import TroubleWatch


@pytest.fixture
def watch() -> Iterator[TroubleWatch]:
    installed = TroubleWatch()
    installed.install()
    try:
        yield installed
    finally:
        installed.uninstall()


def test_a_worker_thread_exception_is_a_crash_report(qtbot: QtBot, watch: TroubleWatch) -> None:
    def fail() -> None:
        raise RuntimeError("boom in a worker")

    thread = threading.Thread(target=fail, name="failing-worker")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(watch.crash_reports))
    problems = watch.problems()
    assert any("crash report" in p and "boom in a worker" in p for p in problems)
    assert any("failing-worker" in p for p in problems)
    assert watch.problems() == [], "each problem is reported once"


def test_an_error_log_and_a_critical_box_are_trouble(qtbot: QtBot, watch: TroubleWatch) -> None:
    logging.getLogger("opsdesk.somewhere").error("the history file is gone")
    logging.getLogger("someone.else").error("not ours")
    logging.getLogger("opsdesk.quiet").warning("a warning is not trouble")
    box = QMessageBox(QMessageBox.Icon.Critical, "Broken", "It broke")
    qtbot.addWidget(box)
    box.show()
    QApplication.processEvents()
    problems = watch.problems()
    assert len(problems) == 2, problems
    assert "the history file is gone" in problems[0]
    assert "critical message box 'Broken': It broke" in problems[1]
