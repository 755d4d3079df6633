"""The whole window as the app builds it (build_desk), shown and started for one test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QSettings

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.ui.desk import Desk, build_desk
from opsdesk.ui.settings import UiSettings


def tapless_profile(name: str, url: str) -> Profile:
    """A profile whose tap queue is never declared: the broker at `url` need not answer."""
    return Profile(
        name=name,
        endpoint=BrokerEndpoint(url=url),
        bindings=(Binding("payments.events"),),
        tap=TapSettings(queue="opsdesk.test.never-declared"),
    )


@contextmanager
def running_desk(qtbot, profile: Profile, db_path: Path, folder: Path) -> Iterator[Desk]:
    """The desk's window shown and its workers started; stopped when the block ends."""
    settings = UiSettings(QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat))
    desk = build_desk(profile, db_path, settings)
    qtbot.addWidget(desk.window)
    desk.window.show()
    qtbot.waitExposed(desk.window)
    desk.start()
    try:
        yield desk
    finally:
        desk.stop()
