"""Stops a bug in the dashboard's refresh from repeating on every tick of its clock.

A refresh runs every second or two without anyone asking. A bug in it would reach the crash
dialog each time, and the panel would stay frozen behind a growing list of the same report
(issue 9, finding 3). The first failure is reported (the crash dialog, through sys.excepthook)
and the panel pauses its own refreshes; the user's next choice tries again.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class RefreshGuard:
    """`run` drawing steps through it; after a failure, `broken` until `reset`."""

    def __init__(self, on_broken: Callable[[], None]) -> None:
        self._on_broken = on_broken
        self.broken = False

    def run(self, step: Callable[P, None], *args: P.args, **kwargs: P.kwargs) -> None:
        """Run `step` unless broken; its exception is reported once, then nothing runs."""
        if self.broken:
            return
        try:
            step(*args, **kwargs)
        except Exception:
            self._break()
            raise  # one report for the crash dialog; the paused panel asks no more

    def guarded(self, step: Callable[[T], None]) -> Callable[[T], None]:
        """`step` as a callback (a reader's result) that runs through `run`."""

        def guarded_step(value: T) -> None:
            self.run(step, value)

        return guarded_step

    def report(self, error: Exception) -> None:
        """A failure from elsewhere (the reader thread): reported as a bug, once."""
        if self.broken:
            log.debug("dashboard: further failure while paused: %r", error)
            return
        self._break()
        sys.excepthook(type(error), error, error.__traceback__)

    def reset(self) -> None:
        self.broken = False

    def _break(self) -> None:
        self.broken = True
        self._on_broken()
