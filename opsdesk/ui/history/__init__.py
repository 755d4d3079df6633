"""The history explorer: find, follow and export past payment events."""

from opsdesk.ui.history.history_panel import HistoryPanel

__all__ = ["HistoryPanel"]
