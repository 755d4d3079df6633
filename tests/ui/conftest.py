"""Qt fixtures for UI tests: offscreen platform, private QSettings, offscreen log noise."""

from __future__ import annotations

import os

# Before anything imports Qt: the tests run without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings

from opsdesk.ui.main_thread_gc import MainThreadCollector
from opsdesk.ui.settings import UiSettings

_HERE = Path(__file__).parent
# The offscreen platform cannot raise windows or honour size hints; it says so as a warning.
_OFFSCREEN_LIMITS = r"^This plugin does not support \w+\(\)$"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(_OFFSCREEN_LIMITS))


@pytest.fixture(autouse=True, scope="session")
def _private_qsettings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Any QSettings created without a file lands in a temporary folder, never in ~/.config."""
    folder = str(tmp_path_factory.mktemp("qsettings"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, folder)
    QCoreApplication.setOrganizationName("opsdesk-tests")
    QCoreApplication.setApplicationName(f"opsdesk-tests-{os.getpid()}")
    yield


@pytest.fixture(autouse=True, scope="session")
def _collect_on_the_ui_thread(qapp: QCoreApplication) -> Iterator[None]:
    """Long UI tests collect garbage as the app does: on this thread, between events."""
    collector = MainThreadCollector(qapp)
    yield
    collector.deleteLater()


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "ui-settings.ini"


@pytest.fixture
def ui_settings(settings_file: Path) -> UiSettings:
    return UiSettings(QSettings(str(settings_file), QSettings.Format.IniFormat))
