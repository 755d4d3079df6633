import sys
import threading

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from opsdesk.broker.connection import BrokerEndpoint
from opsdesk.broker.tap_state import TapPhase
from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.ui.app import app_icon, load_recent_events, run_gui
from opsdesk.ui.main_window import MainWindow

UNREACHABLE = "amqp://guest:secret@127.0.0.1:1/%2F"


def test_the_icon_ships_inside_the_package(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert icon.pixmap(32, 32).width() == 32


def test_no_history_file_means_no_recent_events(tmp_path):
    assert load_recent_events(tmp_path / "absent.sqlite", 100) == []


def test_run_gui_without_a_broker_shows_the_window_and_quits_cleanly(qapp, tmp_path):
    profile = Profile(
        name="offline",
        endpoint=BrokerEndpoint(url=UNREACHABLE),
        bindings=(Binding("payments.events"),),
        tap=TapSettings(queue="opsdesk.test.never-declared"),
    )
    hooks = (sys.excepthook, threading.excepthook)
    seen = {}

    def close_once_reconnecting():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        visible = [w for w in windows if w.isVisible()]
        if not visible:
            return
        status = visible[0].connection_status
        seen["hooks installed"] = sys.excepthook is not hooks[0]
        if status.state.phase == TapPhase.RECONNECTING:
            seen["phase"] = status.phase_text()
            seen["title"] = visible[0].windowTitle()
            poll.stop()
            visible[0].close()

    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(close_once_reconnecting)
    poll.start()
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(QApplication.closeAllWindows)
    watchdog.start(30_000)

    code = run_gui(profile, tmp_path / "history.sqlite", log_file=tmp_path / "opsdesk.log")
    watchdog.stop()

    assert code == 0
    assert seen["hooks installed"]
    assert seen["phase"].startswith("reconnecting for ")
    assert "secret" not in seen["phase"] and "secret" not in seen["title"]
    assert (sys.excepthook, threading.excepthook) == hooks
