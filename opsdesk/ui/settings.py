"""The one place that reads and writes the UI's QSettings, with types and defaults."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from opsdesk.store.statistics.stuck_payments import DEFAULT_MIN_AGE
from opsdesk.store.statistics.values import Breakdown, CountBasis
from opsdesk.store.statistics.windows import PRESETS
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
_HISTORY_HEADER_STATE = "history/header"
_HISTORY_SPLITTER_STATE = "history/splitter"
_HISTORY_SAVED_FILTERS = "history/saved_filters"
_RETENTION_KEEP_DAYS = "history/retention_keep_days"
_RETENTION_MAX_GB = "history/retention_max_gb"
MAX_RETENTION_DAYS = 36_500
_QUEUE_BROWSER_SPLITTER = "queue_browser/splitter"
_QUEUE_BROWSER_PAGE_SIZE = "queue_browser/page_size"
MAX_BROWSE_PAGE = 500


DEFAULT_DASHBOARD_PRESET = "1h"
MIN_STUCK_MINUTES = 1
MAX_STUCK_MINUTES = 24 * 60
_DASHBOARD_WINDOW = "dashboard/window"
_DASHBOARD_BREAKDOWN = "dashboard/breakdown"
_DASHBOARD_STUCK_AFTER = "dashboard/stuck_after_minutes"
_DASHBOARD_BASIS = "dashboard/count_basis"


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

    @property
    def history_header_state(self) -> QByteArray | None:
        """Which history columns are shown, their order and widths, and the sort."""
        return self._bytes(_HISTORY_HEADER_STATE)

    @history_header_state.setter
    def history_header_state(self, value: QByteArray) -> None:
        self._settings.setValue(_HISTORY_HEADER_STATE, value)

    @property
    def history_splitter_state(self) -> QByteArray | None:
        """How the history panel divides its table and the selected event's details."""
        return self._bytes(_HISTORY_SPLITTER_STATE)

    @history_splitter_state.setter
    def history_splitter_state(self, value: QByteArray) -> None:
        self._settings.setValue(_HISTORY_SPLITTER_STATE, value)

    @property
    def saved_history_filters(self) -> dict[str, dict[str, Any]]:
        """Named history filters, each a JSON-able dict; unreadable entries are dropped."""
        raw: Any = self._settings.value(_HISTORY_SAVED_FILTERS, "")
        try:
            value = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            return {}
        if not isinstance(value, dict):
            return {}
        return {str(k): v for k, v in value.items() if isinstance(v, dict)}

    @saved_history_filters.setter
    def saved_history_filters(self, value: dict[str, dict[str, Any]]) -> None:
        # JSON text rather than a QVariant map: INI files keep nested maps poorly.
        self._settings.setValue(_HISTORY_SAVED_FILTERS, json.dumps(value, ensure_ascii=False))

    @property
    def retention_keep_days(self) -> int:
        """Prune history older than this many days; 0 keeps it forever."""
        return self._bounded_int(_RETENTION_KEEP_DAYS, 0, 0, MAX_RETENTION_DAYS)

    @retention_keep_days.setter
    def retention_keep_days(self, value: int) -> None:
        self._settings.setValue(_RETENTION_KEEP_DAYS, min(max(int(value), 0), MAX_RETENTION_DAYS))

    @property
    def retention_max_gb(self) -> float:
        """Prune the oldest history beyond this size in GB; 0 sets no limit."""
        raw: Any = self._settings.value(_RETENTION_MAX_GB, 0.0)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return 0.0
        return value if value > 0 and value == value else 0.0  # NaN and negatives: no limit

    @retention_max_gb.setter
    def retention_max_gb(self, value: float) -> None:
        self._settings.setValue(_RETENTION_MAX_GB, max(float(value), 0.0))

    @property
    def queue_browser_splitter_state(self) -> QByteArray | None:
        """How the queue browser divides its message table and the selected message's details."""
        return self._bytes(_QUEUE_BROWSER_SPLITTER)

    @queue_browser_splitter_state.setter
    def queue_browser_splitter_state(self, value: QByteArray) -> None:
        self._settings.setValue(_QUEUE_BROWSER_SPLITTER, value)

    @property
    def queue_browser_page_size(self) -> int:
        """How many messages one browse fetches."""
        return self._bounded_int(_QUEUE_BROWSER_PAGE_SIZE, 50, 1, MAX_BROWSE_PAGE)

    @queue_browser_page_size.setter
    def queue_browser_page_size(self, value: int) -> None:
        self._settings.setValue(_QUEUE_BROWSER_PAGE_SIZE, min(max(int(value), 1), MAX_BROWSE_PAGE))

    @property
    def dashboard_window_preset(self) -> str:
        """The last preset window chosen (`15m`, `1h`, `24h`, `7d`); custom ones are not kept."""
        value: Any = self._settings.value(_DASHBOARD_WINDOW, DEFAULT_DASHBOARD_PRESET)
        return value if value in PRESETS else DEFAULT_DASHBOARD_PRESET

    @dashboard_window_preset.setter
    def dashboard_window_preset(self, value: str) -> None:
        if value in PRESETS:
            self._settings.setValue(_DASHBOARD_WINDOW, value)

    @property
    def dashboard_breakdown(self) -> Breakdown:
        value: Any = self._settings.value(_DASHBOARD_BREAKDOWN, Breakdown.OVERALL.value)
        try:
            return Breakdown(value)
        except ValueError:
            return Breakdown.OVERALL

    @dashboard_breakdown.setter
    def dashboard_breakdown(self, value: Breakdown) -> None:
        self._settings.setValue(_DASHBOARD_BREAKDOWN, value.value)

    @property
    def dashboard_basis(self) -> CountBasis:
        """What the success rate and failures count: payments (the default) or attempts."""
        value: Any = self._settings.value(_DASHBOARD_BASIS, CountBasis.PAYMENT.value)
        try:
            return CountBasis(value)
        except ValueError:
            return CountBasis.PAYMENT

    @dashboard_basis.setter
    def dashboard_basis(self, value: CountBasis) -> None:
        self._settings.setValue(_DASHBOARD_BASIS, CountBasis(value).value)

    @property
    def dashboard_stuck_after(self) -> timedelta:
        """How long a payment may go without an outcome before it is listed as stuck."""
        default = int(DEFAULT_MIN_AGE.total_seconds() // 60)
        raw: Any = self._settings.value(_DASHBOARD_STUCK_AFTER, default)
        try:
            minutes = int(raw)
        except (TypeError, ValueError):
            minutes = default
        return timedelta(minutes=min(max(minutes, MIN_STUCK_MINUTES), MAX_STUCK_MINUTES))

    @dashboard_stuck_after.setter
    def dashboard_stuck_after(self, value: timedelta) -> None:
        minutes = int(value.total_seconds() // 60)
        self._settings.setValue(
            _DASHBOARD_STUCK_AFTER, min(max(minutes, MIN_STUCK_MINUTES), MAX_STUCK_MINUTES)
        )

    def sync(self) -> None:
        """Write pending changes to disk now."""
        self._settings.sync()

    def _bounded_int(self, key: str, default: int, low: int, high: int) -> int:
        raw: Any = self._settings.value(key, default)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            return default
        return min(max(value, low), high)

    def _bytes(self, key: str) -> QByteArray | None:
        value: Any = self._settings.value(key)
        if isinstance(value, QByteArray) and not value.isEmpty():
            return value
        if isinstance(value, bytes) and value:
            return QByteArray(value)
        return None
