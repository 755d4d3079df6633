"""The alert worker's callbacks as Qt signals: called on its thread, delivered on the UI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from opsdesk.alerting.alert_values import ActiveAlert, AlertTransition
from opsdesk.alerting.freshness import StaleFigures


class AlertBridge(QObject):
    """An AlertListener; keep it in the UI thread so its signals reach UI slots queued."""

    transition = Signal(object)  # AlertTransition: fired or cleared, already in the alert log
    active_changed = Signal(object)  # tuple[ActiveAlert, ...], oldest first
    figures_changed = Signal(object)  # StaleFigures while queue figures are stale, else None

    def on_transition(self, transition: AlertTransition) -> None:
        self.transition.emit(transition)

    def on_active_changed(self, active: tuple[ActiveAlert, ...]) -> None:
        self.active_changed.emit(tuple(active))

    def on_figures(self, stale: StaleFigures | None) -> None:
        self.figures_changed.emit(stale)
