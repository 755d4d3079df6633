"""What the alert evaluator says: alerts that fired or cleared, alerts firing, and why one ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from opsdesk.config.alert_rules import AlertRule


class EndReason(StrEnum):
    """Why an alert ended other than by its condition being seen to clear."""

    # Not watched when it cleared (the desk was closed, or the figures were stale): it
    # cleared between when it was last seen firing and when it was seen cleared.
    UNWATCHED = "unwatched"
    RULE_CHANGED = "rule_changed"  # its rule was changed or removed
    NOT_REPORTED = "not_reported"  # the monitor no longer reports its queue


@dataclass(frozen=True, slots=True)
class AlertTransition:
    """An alert that started (`state` "fired") or stopped ("cleared") at `at`."""

    state: Literal["fired", "cleared"]
    rule: AlertRule
    subject: str  # the queue, the merchant or "overall", "events"
    at: datetime
    value: float | None  # the observed value (depth, percent, seconds); None if unknown
    threshold: float
    message: str  # e.g. "orders: 1,204 messages ready, above 1,000 for 60 s"
    end_reason: EndReason | None = None  # cleared without being seen to clear: why

    @property
    def fired(self) -> bool:
        return self.state == "fired"


@dataclass(frozen=True, slots=True)
class ActiveAlert:
    """An alert that is firing now, for the banner."""

    rule: AlertRule
    subject: str
    since: datetime
    value: float | None
    threshold: float
    message: str
    # None: seen firing at the latest evaluation. Else the time of the last figures that
    # showed it firing: since then it is unknown (stale figures, or the desk was closed).
    stale_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class OpenAlert:
    """An alert the log still holds as firing, left by an earlier run, to resume."""

    rule: str
    kind: str
    subject: str
    since: datetime
    last_seen: datetime  # when it was last seen firing
    value: float | None
    threshold: float
    message: str
