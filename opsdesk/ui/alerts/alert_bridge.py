"""The alert worker's callbacks as Qt signals: called on its thread, delivered on the UI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from opsdesk.alerting.evaluator import ActiveAlert, AlertTransition


class AlertBridge(QObject):
    """An AlertListener; keep it in the UI thread so its signals reach UI slots queued."""

    transition = Signal(object)  # AlertTransition: fired or cleared, already in the alert log
    active_changed = Signal(object)  # tuple[ActiveAlert, ...], oldest first

    def on_transition(self, transition: AlertTransition) -> None:
        self.transition.emit(transition)

    def on_active_changed(self, active: tuple[ActiveAlert, ...]) -> None:
        self.active_changed.emit(tuple(active))
