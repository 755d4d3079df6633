"""multi_outcomes holds exactly the original outcomes of payments with more than one.

Real history files, events stored through EventStore as the tap stores them; the table is
compared with what the events say, computed here in plain Python.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import fields, replace
from pathlib import Path

from sqlite_utils import Database

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store.event_store import EventStore
from opsdesk.store.migrations import migrate
from opsdesk.store.multi_outcomes import TABLE
from opsdesk.store.retention import Retention
from tests.store.history_factory import at, event, lifecycle, replay_copy, write

_COLUMNS = [f.name for f in fields(PaymentEvent) if not f.name.startswith("replay_")]


def _table(path: Path) -> set[tuple[str, str, str, str]]:
    """(event id, payment id, status, event time) of every multi_outcomes row."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            f"SELECT e.event_id, m.payment_id, m.status, m.event_time FROM {TABLE} m "
            "JOIN events e ON e.id = m.id"
        ).fetchall()
    finally:
        conn.close()
    return {tuple(row) for row in rows}


def _expected(events: list[PaymentEvent]) -> set[tuple[str, str, str, str]]:
    """The same, from the events: original outcomes of payments having two or more."""
    outcomes = [
        e
        for e in events
        if e.status in (Status.SUCCEEDED, Status.FAILED)
        and e.replay_of is None
        and e.payment_id is not None
    ]
    per_payment = Counter(e.payment_id for e in outcomes)
    return {
        (e.event_id, str(e.payment_id), e.status.value, str(e.occurred_at or e.received_at))
        for e in outcomes
        if per_payment[e.payment_id] > 1
    }


def test_a_second_outcome_brings_in_both_and_a_third_joins_them(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    first = lifecycle("pay-a", at(0), [(0, "payment.requested"), (5, "payment.failed")])
    single = lifecycle("pay-b", at(0), [(0, "payment.requested"), (6, "payment.succeeded")])
    write(path, first + single)
    assert _table(path) == set()  # one outcome each: nothing to supersede

    second = event(at(60), "payment.succeeded", payment_id="pay-a")
    write(path, [second])
    assert _table(path) == _expected([*first, *single, second])
    assert {row[0] for row in _table(path)} == {first[1].event_id, second.event_id}

    third = event(at(120), "payment.failed", payment_id="pay-a", error_code="do_not_honor")
    write(path, [third])
    assert len(_table(path)) == 3 == len(_expected([*first, *single, second, third]))


def test_two_outcomes_in_one_batch_and_duplicates_are_counted_as_duplicates(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite"
    failed = event(at(0), "payment.failed", payment_id="pay-a")
    succeeded = event(at(30), "payment.succeeded", payment_id="pay-a")
    with EventStore(path) as store:
        assert len(store.insert_batch([failed, succeeded]).inserted) == 2
        # The trigger's rows must not pass the known events off as new (rowcount, not
        # total_changes): stored again with one new outcome, one is new, two are duplicates.
        again = event(at(40), "payment.succeeded", payment_id="pay-a")
        result = store.insert_batch([failed, succeeded, again])
        assert (result.inserted, result.duplicates) == ([again], 2)
    assert _table(path) == _expected([failed, succeeded, again])


def test_replay_copies_neither_enter_nor_make_a_payment_multi_outcome(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    failed = event(at(0), "payment.failed", payment_id="pay-a")
    copies = [replay_copy(failed, at(60)), replay_copy(failed, at(90), attempt=2)]
    write(path, [failed, *copies])
    assert _table(path) == set()

    # A real second outcome: the original failure and the success, still no copy.
    succeeded = event(at(120), "payment.succeeded", payment_id="pay-a")
    write(path, [succeeded])
    assert {row[0] for row in _table(path)} == {failed.event_id, succeeded.event_id}


def test_outcomes_without_a_payment_id_stay_out(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    loose = [event(at(n), "payment.failed") for n in range(3)]
    write(path, [replace(e, payment_id=None) for e in loose])
    assert _table(path) == set()


def test_retention_takes_deleted_outcomes_out(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    old = event(at(0), "payment.failed", payment_id="pay-a")
    new = event(at(3 * 86_400), "payment.succeeded", payment_id="pay-a")
    also = event(at(3 * 86_400 + 5), "payment.failed", payment_id="pay-a")
    write(path, [old, new, also])
    assert len(_table(path)) == 3

    with Retention(path) as retention:
        result = retention.prune(max_age_days=1, now=at(3 * 86_400 + 60))
    assert result.deleted == 1
    assert _table(path) == _expected([new, also])
    conn = sqlite3.connect(path)
    try:  # no row points at a missing event
        orphans = conn.execute(
            f"SELECT count(*) FROM {TABLE} m LEFT JOIN events e ON e.id = m.id WHERE e.id IS NULL"
        ).fetchone()[0]
    finally:
        conn.close()
    assert orphans == 0


def test_migration_11_fills_the_table_from_a_history_that_has_multi_outcome_payments(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite"
    db = Database(path)
    assert migrate(db, target=10) == 10
    retried = lifecycle(
        "pay-a", at(0), [(0, "payment.requested"), (5, "payment.failed"), (65, "payment.succeeded")]
    )
    twice = lifecycle("pay-b", at(0), [(4, "payment.failed"), (70, "payment.failed")])
    once = lifecycle("pay-c", at(0), [(0, "payment.requested"), (3, "payment.succeeded")])
    copy = replay_copy(once[1], at(80))  # a copy of a success: no second outcome
    events = [*retried, *twice, *once, copy]
    for e in events:  # as version 10 of opsdesk wrote them, before the triggers existed
        row = {name: getattr(e, name) for name in _COLUMNS}
        db.table("events").insert(
            {**row, "status": e.status.value, "replay_of": e.replay_of}, alter=False
        )
    db.close()

    EventStore(path).close()  # opens at the latest version: migration 11 runs
    assert _table(path) == _expected(events)
    assert {row[1] for row in _table(path)} == {"pay-a", "pay-b"}

    # And the triggers keep it from then on.
    later = event(at(200), "payment.succeeded", payment_id="pay-c")
    write(path, [later])
    assert _table(path) == _expected([*events, later])


def test_times_are_event_time_with_received_time_for_undated_events(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    late = replace(
        event(at(100), "payment.failed", payment_id="pay-a"),
        occurred_at=event(at(40), "payment.failed").received_at,
    )
    undated = replace(event(at(130), "payment.succeeded", payment_id="pay-a"), occurred_at=None)
    write(path, [late, undated])
    times = {row[0]: row[3] for row in _table(path)}
    assert times == {late.event_id: late.occurred_at, undated.event_id: undated.received_at}
    assert times[late.event_id] < late.received_at  # occurred before it arrived
