import logging
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication

from opsdesk.ui.crash_dialog import CrashReporter


@pytest.fixture
def reporter(qtbot, tmp_path):
    reporter = CrashReporter(tmp_path / "opsdesk.log")
    reporter.install()
    yield reporter
    reporter.uninstall()
    if reporter.dialog is not None:
        reporter.dialog.close()


def _boom_in_thread():
    raise RuntimeError("boom in a worker")


def test_an_exception_in_a_thread_is_logged_and_shown(qtbot, reporter, caplog):
    caplog.set_level(logging.ERROR, logger="opsdesk.ui.crash_dialog")
    worker = threading.Thread(target=_boom_in_thread, name="doomed-worker")
    worker.start()
    worker.join()

    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    details = reporter.dialog.details()
    assert "RuntimeError: boom in a worker" in details
    assert "thread doomed-worker" in details
    record = next(r for r in caplog.records if r.exc_info)
    assert record.exc_info[1].args == ("boom in a worker",)


def test_an_exception_in_a_slot_on_the_ui_thread_is_shown(qtbot, reporter):
    def broken_slot():
        raise ValueError("bug in a slot")

    QTimer.singleShot(0, broken_slot)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert "ValueError: bug in a slot" in reporter.dialog.details()


def test_a_burst_of_errors_fills_one_dialog(qtbot, reporter):
    for n in range(3):
        try:
            raise KeyError(f"key-{n}")
        except KeyError:
            sys.excepthook(*sys.exc_info())
    qtbot.waitUntil(lambda: reporter.dialog is not None and "key-2" in reporter.dialog.details())
    first = reporter.dialog
    assert "key-0" in first.details()
    assert first.details().count("── and then ──") == 2


def test_copy_puts_traceback_and_log_path_on_the_clipboard(qtbot, reporter, tmp_path):
    try:
        raise OSError("disk on fire")
    except OSError:
        sys.excepthook(*sys.exc_info())
    qtbot.waitUntil(lambda: reporter.dialog is not None)
    reporter.dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert "OSError: disk on fire" in copied
    assert str(Path(tmp_path / "opsdesk.log")) in copied


def test_uninstall_restores_the_previous_hooks(qtbot, tmp_path):
    before = (sys.excepthook, threading.excepthook)
    reporter = CrashReporter(None)
    reporter.install()
    assert sys.excepthook != before[0]
    reporter.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
