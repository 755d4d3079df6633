"""The dashboard's remembered choices, in QSettings under `dashboard/`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import QSettings

from opsdesk.store.statistics_windows import PRESETS
from opsdesk.store.stuck_payments import DEFAULT_MIN_AGE
from opsdesk.ui.dashboard.dashboard_data import Breakdown
from opsdesk.ui.settings import APPLICATION, ORGANIZATION

DEFAULT_PRESET = "1h"
MIN_STUCK_MINUTES = 1
MAX_STUCK_MINUTES = 24 * 60

_WINDOW = "dashboard/window"
_BREAKDOWN = "dashboard/breakdown"
_STUCK_AFTER = "dashboard/stuck_after_minutes"


class DashboardSettings:
    """Typed properties over QSettings; pass a QSettings to use another file (tests)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings if settings is not None else QSettings(ORGANIZATION, APPLICATION)

    @property
    def window_preset(self) -> str:
        """The last preset window chosen (`15m`, `1h`, `24h`, `7d`); custom ones are not kept."""
        value: Any = self._settings.value(_WINDOW, DEFAULT_PRESET)
        return value if value in PRESETS else DEFAULT_PRESET

    @window_preset.setter
    def window_preset(self, value: str) -> None:
        if value in PRESETS:
            self._settings.setValue(_WINDOW, value)

    @property
    def breakdown(self) -> Breakdown:
        value: Any = self._settings.value(_BREAKDOWN, Breakdown.OVERALL.value)
        try:
            return Breakdown(value)
        except ValueError:
            return Breakdown.OVERALL

    @breakdown.setter
    def breakdown(self, value: Breakdown) -> None:
        self._settings.setValue(_BREAKDOWN, value.value)

    @property
    def stuck_after(self) -> timedelta:
        """How long a payment may go without an outcome before it is listed as stuck."""
        default = int(DEFAULT_MIN_AGE.total_seconds() // 60)
        raw: Any = self._settings.value(_STUCK_AFTER, default)
        try:
            minutes = int(raw)
        except (TypeError, ValueError):
            minutes = default
        return timedelta(minutes=min(max(minutes, MIN_STUCK_MINUTES), MAX_STUCK_MINUTES))

    @stuck_after.setter
    def stuck_after(self, value: timedelta) -> None:
        minutes = int(value.total_seconds() // 60)
        self._settings.setValue(
            _STUCK_AFTER, min(max(minutes, MIN_STUCK_MINUTES), MAX_STUCK_MINUTES)
        )

    def sync(self) -> None:
        self._settings.sync()
