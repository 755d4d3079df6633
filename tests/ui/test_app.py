import sys
import threading

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.ingest.tap_state import TapPhase
from opsdesk.ui.app import _demo_traffic, run_gui
from opsdesk.ui.app_icon import app_icon
from opsdesk.ui.main_window import MainWindow
from opsdesk.ui.tap_bridge import TapBridge
from opsdesk.ui.window_setup import build_main_window, load_recent_events

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


def _offline_profile() -> Profile:
    return Profile(
        name="offline",
        endpoint=BrokerEndpoint(url=UNREACHABLE),
        bindings=(Binding("payments.demo.events"),),
        tap=TapSettings(queue="opsdesk.test.never-declared"),
    )


def test_demo_mode_is_said_in_the_title_and_the_status_bar(qapp, tmp_path):
    """Finding 9: nothing said demo mode was on."""
    seen = {}

    def look_once_shown():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        visible = [w for w in windows if w.isVisible()]
        if not visible:
            return
        window = visible[0]
        seen["title"] = window.windowTitle()
        seen["badge"] = window.demo_badge.text() if window.demo_badge.isVisible() else ""
        poll.stop()
        window.close()

    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(look_once_shown)
    poll.start()
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(QApplication.closeAllWindows)
    watchdog.start(30_000)
    code = run_gui(_offline_profile(), tmp_path / "history.sqlite", demo=True)
    watchdog.stop()

    assert code == 0
    assert "DEMO" in seen["title"] and "secret" not in seen["title"]
    assert seen["badge"].startswith("DEMO: simulator ")


def test_the_demo_badge_names_the_exchange_and_says_when_the_simulator_stops(
    qtbot, ui_settings, tmp_path
):
    window = build_main_window(
        tmp_path / "h.sqlite", TapBridge(), ui_settings, broker_label="local broker"
    )
    qtbot.addWidget(window)
    window.show()
    assert not window.demo_badge.isVisible() and "DEMO" not in window.windowTitle()
    traffic = _demo_traffic(_offline_profile(), window, True)
    assert traffic is not None
    assert window.windowTitle() == "opsdesk — DEMO — local broker"
    assert window.demo_badge.isVisible()
    assert window.demo_badge.text() == "DEMO: simulator publishing to payments.demo.events"
    with qtbot.waitSignal(traffic.failed, timeout=15_000):
        traffic.start()  # nothing listens on port 1
    traffic.stop()
    qtbot.waitUntil(lambda: window.demo_badge.text() == "DEMO: simulator stopped")
    assert window.windowTitle().startswith("opsdesk — DEMO")
    assert "Demo traffic stopped" in window.banner.text()
