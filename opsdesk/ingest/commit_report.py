"""What one committed batch did, as the tap counts it and the window shows it."""

from __future__ import annotations

from dataclasses import dataclass

from opsdesk.events.model import PaymentEvent
from opsdesk.store.event_store import InsertResult


@dataclass(frozen=True, slots=True)
class CommitReport:
    stored: int  # events stored for the first time
    duplicates: int
    decode_errors: int  # among the stored
    events: tuple[PaymentEvent, ...]  # the stored events; empty when nobody shows them


def report_of(result: InsertResult, with_events: bool = True) -> CommitReport:
    inserted = result.inserted
    decode_errors = sum(1 for e in inserted if e.decode_error is not None)
    events = tuple(inserted) if with_events else ()
    return CommitReport(len(inserted), result.duplicates, decode_errors, events)
