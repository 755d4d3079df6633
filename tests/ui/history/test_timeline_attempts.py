"""A payment's attempts from its steps: which outcome answers which replay."""

from __future__ import annotations

from dataclasses import replace

from opsdesk.events.model import Status
from opsdesk.ui.history.timeline_attempts import attempts, outcome_text
from opsdesk.ui.history.timeline_steps import timeline_steps
from tests.ui.history.conftest import event


def test_an_outcome_stored_in_the_same_batch_as_its_replay_answers_that_replay() -> None:
    """The desk's tap stores a batch with one received_at: a fast processor's answer and
    the replay it answers often share it (seen in the payment replay journey)."""
    request, authorized, failed = (event(i) for i in range(3))
    batch_time = "2026-03-02T09:05:00.000Z"
    copy = replace(
        request,
        event_id="replay-1",
        received_at=batch_time,
        replay_of=request.event_id,
        replay_attempt=1,
    )
    answer = replace(
        failed,
        event_id="outcome-1",
        received_at=batch_time,
        type="payment.succeeded",
        status=Status.SUCCEEDED,
        error_code=None,
    )
    rows = list(enumerate([request, authorized, failed, copy, answer], start=1))
    original, replay = attempts(timeline_steps(rows))
    assert original.outcome is not None and original.outcome.event.event_id == failed.event_id
    assert replay.label == "replay 1"
    assert replay.outcome is not None and replay.outcome.event.event_id == "outcome-1"
    assert outcome_text(replay) == "✓ succeeded"
