"""How far a backfill has come, as the window and `collect` show it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BackfillProgress:
    """A snapshot of one backfill request, in stream offsets and messages stored this run."""

    start: str  # what it was asked to start from, as the operator reads it
    first: int | None = None  # the first offset it read in this run
    reached: int | None = None  # the last offset it has stored
    target: int | None = None  # the last offset it must store (the live reader has the rest)
    stored: int = 0  # messages it stored in this run
    done: bool = False

    def fraction(self) -> float | None:
        """0..1 of the offsets between its first and its target; None while unknown."""
        if self.done:
            return 1.0
        if self.first is None or self.target is None or self.reached is None:
            return None
        span = self.target - self.first + 1
        if span <= 0:
            return 1.0
        return min(1.0, max(0.0, (self.reached - self.first + 1) / span))

    def remaining(self) -> int | None:
        """Messages still to read, once the target is known."""
        if self.done:
            return 0
        if self.target is None:
            return None
        reached = self.reached if self.reached is not None else (self.first or 0) - 1
        return max(0, self.target - reached)
