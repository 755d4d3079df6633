"""Named history filters kept in the UI settings; a preset stays relative ("last hour")."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from opsdesk.store.event_filter import EventFilter, TimePreset
from opsdesk.ui.settings import UiSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SavedFilter:
    """A filter as the operator set it up: a preset replaces the absolute time range."""

    filter: EventFilter
    preset: TimePreset | None = None

    def resolved(self) -> EventFilter:
        """The filter to run now: a preset's range is computed from the current time."""
        if self.preset is None:
            return self.filter
        return self.filter.with_preset(self.preset)

    def to_dict(self) -> dict[str, Any]:
        kept = self.filter if self.preset is None else replace(self.filter, since=None, until=None)
        out: dict[str, Any] = {"filter": kept.to_dict()}
        if self.preset is not None:
            out["preset"] = self.preset.value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SavedFilter:
        """Raises ValueError (or TypeError) for an entry this version cannot read."""
        preset_value = data.get("preset")
        preset = TimePreset(preset_value) if preset_value else None
        raw = data.get("filter") or {}
        if not isinstance(raw, dict):
            raise ValueError(f"not a filter: {raw!r}")
        return cls(EventFilter.from_dict(raw), preset)


class SavedFilters:
    """Reads and writes the named filters through UiSettings, sorted by name."""

    def __init__(self, settings: UiSettings) -> None:
        self._settings = settings

    def names(self) -> list[str]:
        return sorted(self._settings.saved_history_filters, key=str.casefold)

    def get(self, name: str) -> SavedFilter | None:
        data = self._settings.saved_history_filters.get(name)
        if data is None:
            return None
        try:
            return SavedFilter.from_dict(data)
        except (ValueError, TypeError) as exc:
            log.warning("saved filter %r cannot be read: %s", name, exc)
            return None

    def save(self, name: str, saved: SavedFilter) -> None:
        """Store under `name`, replacing a filter of that name."""
        name = name.strip()
        if not name:
            raise ValueError("a saved filter needs a name")
        entries = self._settings.saved_history_filters
        entries[name] = saved.to_dict()
        self._settings.saved_history_filters = entries
        self._settings.sync()

    def delete(self, name: str) -> None:
        entries = self._settings.saved_history_filters
        if entries.pop(name, None) is not None:
            self._settings.saved_history_filters = entries
            self._settings.sync()
