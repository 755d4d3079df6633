"""GUI entry point: the application, crash hooks, the tap and its window, and a clean quit."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from opsdesk.config import Profile
from opsdesk.simulator.settings import SimulatorSettings
from opsdesk.ui.app_icon import app_icon
from opsdesk.ui.crash_dialog import CrashReporter
from opsdesk.ui.demo_traffic import DemoTraffic
from opsdesk.ui.desk import build_desk
from opsdesk.ui.main_thread_gc import MainThreadCollector
from opsdesk.ui.main_window import MainWindow
from opsdesk.ui.settings import APPLICATION, ORGANIZATION, UiSettings

log = logging.getLogger(__name__)

DEMO_RATE = 15.0  # events per second


def run_gui(
    profile: Profile, db_path: Path, *, demo: bool = False, log_file: Path | None = None
) -> int:
    """Open the window on `profile`, record into `db_path`, and return the exit code."""
    app = _application()
    collector = MainThreadCollector(app)  # before any worker thread starts
    reporter = CrashReporter(log_file)
    reporter.install()  # here only: widgets never touch the hooks, so tests keep theirs
    try:
        settings = UiSettings()
        desk = build_desk(profile, db_path, settings, log_file=log_file)
        traffic = _demo_traffic(profile, desk.window, demo)
        if traffic is not None:
            desk.workers.add(traffic)
        app.aboutToQuit.connect(desk.stop)
        desk.window.show()
        desk.start()
        with _quit_on_signals(app):
            code = app.exec()
        desk.stop()
        app.aboutToQuit.disconnect(desk.stop)
        return code
    finally:
        reporter.uninstall()
        collector.deleteLater()  # collection stays manual: worker threads may still be ending


def _demo_traffic(profile: Profile, window: MainWindow, demo: bool) -> DemoTraffic | None:
    if not demo:
        return None
    if not profile.bindings:
        window.show_problem("Demo traffic needs an exchange: this profile binds none.")
        return None
    settings = SimulatorSettings(
        endpoint=profile.endpoint, exchange=profile.bindings[0].exchange, rate=DEMO_RATE
    )
    traffic = DemoTraffic(settings, window)
    traffic.failed.connect(window.show_problem)
    traffic.failed.connect(lambda _reason: window.show_demo_stopped())
    window.show_demo(settings.exchange)
    return traffic


def _application() -> QApplication:
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setDesktopFileName("opsdesk")
    app.setWindowIcon(app_icon())
    return app


@contextmanager
def _quit_on_signals(app: QApplication) -> Iterator[None]:
    """Ctrl+C in the terminal, or SIGTERM (a logout, `kill`), quits as Ctrl+Q does: the tap
    stores and acks what it holds, the layout is saved."""
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda *_: app.closeAllWindows()) for sig in handled}
    # Python runs signal handlers only between bytecodes; wake it up now and then.
    ticker = QTimer()
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
    try:
        yield
    finally:
        ticker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
