"""A history whose figures differ by basis: a payment recovered, one failed twice, a copy.

In the 15 minutes before `now` (the headline's rate window, and inside every preset window):
- 8 payments succeeded at once;
- pay_recovered failed (gateway_timeout) 4.5 min ago and succeeded 1 min ago (replayed);
- pay_failed_twice failed 11 min ago and again 3 min ago (card_declined both times);
- an operator replayed pay_failed_twice's last failure event itself 2 min ago: the copy is
  stored, and no figure counts it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from opsdesk.events.model import Status
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_store import EventStore
from tests.ui.dashboard.known_history import event

# (success rate text, failures in the last 5 min, outcomes) per basis, and recoveries.
BY_PAYMENT = ("90.0 %", "1", 10)  # 9 of 10 payments
BY_ATTEMPT = ("75.0 %", "2", 12)  # 9 of 12 attempts
RECOVERED = "1"
CODES_BY_PAYMENT = {"card_declined"}
CODES_BY_ATTEMPT = {"card_declined", "gateway_timeout"}


def write_recovered_history(path: Path, now: datetime) -> None:
    def ago(minutes: float) -> datetime:
        return now - timedelta(minutes=minutes)

    last_failure = event(ago(3), Status.FAILED, "pay_failed_twice")
    events = [
        *(event(ago(14 - i), Status.SUCCEEDED, f"pay_ok_{i}") for i in range(8)),
        event(ago(4.5), Status.FAILED, "pay_recovered", error_code="gateway_timeout"),
        event(ago(1), Status.SUCCEEDED, "pay_recovered"),
        event(ago(11), Status.FAILED, "pay_failed_twice"),
        last_failure,
        replace(
            last_failure,
            event_id="copy-of-" + last_failure.event_id,
            received_at=utc_iso(ago(2)),
            replay_of=last_failure.event_id,
            replay_attempt=1,
        ),
    ]
    with EventStore(path) as store:
        store.insert_batch(sorted(events, key=lambda e: e.received_at))
