"""What the tap reports to whoever watches it (the CLI summary, the window's status bar)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from opsdesk.events.model import PaymentEvent


class TapPhase(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class TapState:
    phase: TapPhase
    detail: str = ""  # why we are reconnecting, which broker we are connected to, ...
    retry_in: float | None = None  # seconds until the next attempt while reconnecting


@dataclass(frozen=True, slots=True)
class TapCounters:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    decode_errors: int = 0


class TapListener(Protocol):
    """Callbacks, called from the tap's worker threads: keep them short and thread-safe."""

    def on_state(self, state: TapState) -> None: ...

    def on_counters(self, counters: TapCounters) -> None: ...

    def on_stored(self, events: Sequence[PaymentEvent]) -> None:
        """A batch has committed; `events` are the newly stored ones (duplicates excluded)."""
        ...
