"""The one place that reads and writes the UI's QSettings, with types and defaults."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from opsdesk.ui.event_table_model import DEFAULT_ROW_CAP

ORGANIZATION = "opsdesk"
APPLICATION = "opsdesk"
MIN_ROW_CAP = 100
MAX_ROW_CAP = 100_000

_WINDOW_GEOMETRY = "window/geometry"
_WINDOW_STATE = "window/state"
_SPLITTER_STATE = "window/splitter"
_DETAILS_SPLITTER_STATE = "window/details_splitter"
_TABLE_HEADER_STATE = "live_table/header"
_LIVE_ROW_CAP = "live_table/row_cap"


class UiSettings:
    """Typed properties over QSettings; pass a QSettings to use another file (tests)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings if settings is not None else QSettings(ORGANIZATION, APPLICATION)

    @property
    def window_geometry(self) -> QByteArray | None:
        return self._bytes(_WINDOW_GEOMETRY)

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._settings.setValue(_WINDOW_GEOMETRY, value)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes(_WINDOW_STATE)

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self._settings.setValue(_WINDOW_STATE, value)

    @property
    def splitter_state(self) -> QByteArray | None:
        return self._bytes(_SPLITTER_STATE)

    @splitter_state.setter
    def splitter_state(self, value: QByteArray) -> None:
        self._settings.setValue(_SPLITTER_STATE, value)

    @property
    def details_splitter_state(self) -> QByteArray | None:
        """How the details pane divides summary and payload."""
        return self._bytes(_DETAILS_SPLITTER_STATE)

    @details_splitter_state.setter
    def details_splitter_state(self, value: QByteArray) -> None:
        self._settings.setValue(_DETAILS_SPLITTER_STATE, value)

    @property
    def table_header_state(self) -> QByteArray | None:
        """Column widths and order of the live table."""
        return self._bytes(_TABLE_HEADER_STATE)

    @table_header_state.setter
    def table_header_state(self, value: QByteArray) -> None:
        self._settings.setValue(_TABLE_HEADER_STATE, value)

    @property
    def live_row_cap(self) -> int:
        """How many events the live table keeps before dropping the oldest."""
        raw: Any = self._settings.value(_LIVE_ROW_CAP, DEFAULT_ROW_CAP)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            return DEFAULT_ROW_CAP
        return min(max(value, MIN_ROW_CAP), MAX_ROW_CAP)

    @live_row_cap.setter
    def live_row_cap(self, value: int) -> None:
        self._settings.setValue(_LIVE_ROW_CAP, min(max(int(value), MIN_ROW_CAP), MAX_ROW_CAP))

    def sync(self) -> None:
        """Write pending changes to disk now."""
        self._settings.sync()

    def _bytes(self, key: str) -> QByteArray | None:
        value: Any = self._settings.value(key)
        if isinstance(value, QByteArray) and not value.isEmpty():
            return value
        if isinstance(value, bytes) and value:
            return QByteArray(value)
        return None
