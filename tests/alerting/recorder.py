"""An AlertListener that lets a test wait, with a deadline, for what the worker reported."""

from __future__ import annotations

import threading
from collections.abc import Callable

from opsdesk.alerting.evaluator import ActiveAlert, AlertTransition
from opsdesk.alerting.freshness import StaleFigures


class AlertRecorder:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.transitions: list[AlertTransition] = []
        self.active: list[tuple[ActiveAlert, ...]] = []
        self.figures: list[StaleFigures | None] = []

    def on_transition(self, transition: AlertTransition) -> None:
        with self.cond:
            self.transitions.append(transition)
            self.cond.notify_all()

    def on_active_changed(self, active: tuple[ActiveAlert, ...]) -> None:
        with self.cond:
            self.active.append(active)
            self.cond.notify_all()

    def on_figures(self, stale: StaleFigures | None) -> None:
        with self.cond:
            self.figures.append(stale)
            self.cond.notify_all()

    def states(self) -> list[tuple[str, str, str]]:
        with self.cond:
            return [(t.state, t.rule.name, t.subject) for t in self.transitions]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                raise AssertionError(f"not reached in {timeout}s; transitions: {self.transitions}")
