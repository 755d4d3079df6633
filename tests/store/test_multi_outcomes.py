"""multi_outcomes holds exactly the original outcomes of payments with more than one.

Real history files, events stored through EventStore as the tap stores them; the table is
compared with what the events say, computed here in plain Python.
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from dataclasses import fields, replace
from pathlib import Path

from sqlite_utils import Database

from opsdesk.events.model import PaymentEvent
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_store import EventStore
from opsdesk.store.migrations import migrate
from opsdesk.store.multi_outcomes import TABLE
from opsdesk.store.retention import Retention
from tests.store.history_factory import at, event, lifecycle, replay_copy, write

_COLUMNS = [f.name for f in fields(PaymentEvent) if not f.name.startswith("replay_")]


Row = tuple[str, str, str, str | None, str | None, str | None, str | None, int]


def _table(path: Path) -> dict[str, Row]:
    """multi_outcomes by event id: payment, status, event time, merchant, error code, the
    next outcome's event time and received time, whether an earlier outcome failed."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            f"SELECT e.event_id, m.payment_id, m.status, m.event_time, m.merchant, m.error_code, "
            f"m.next_event_time, m.next_received_at, m.failed_before FROM {TABLE} m "
            "JOIN events e ON e.id = m.id"
        ).fetchall()
    finally:
        conn.close()
    return {row[0]: tuple(row[1:]) for row in rows}


def _expected(path: Path) -> dict[str, Row]:
    """The same, worked out in Python from the events table as it is now."""
    conn = sqlite3.connect(path)
    try:
        events = conn.execute(
            "SELECT id, event_id, payment_id, status, coalesce(occurred_at, received_at), "
            "received_at, merchant, error_code FROM events WHERE status IN ('succeeded', "
            "'failed') AND replay_of IS NULL AND payment_id IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    per_payment = Counter(e[2] for e in events)
    expected: dict[str, Row] = {}
    for row_id, event_id, payment, status, time, received, merchant, code in events:
        if per_payment[payment] < 2:
            continue
        mine = [e for e in events if e[2] == payment]
        later_time = [e[4] for e in mine if (e[4], e[0]) > (time, row_id)]
        later_received = [e[5] for e in mine if (e[5], e[0]) > (received, row_id)]
        failed_before = any(e[3] == "failed" and (e[4], e[0]) < (time, row_id) for e in mine)
        expected[event_id] = (
            payment,
            status,
            time,
            merchant,
            code,
            min(later_time, default=None),
            min(later_received, default=None),
            int(failed_before),
        )
    return expected


def test_a_second_outcome_brings_in_both_and_a_third_joins_them(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    first = lifecycle("pay-a", at(0), [(0, "payment.requested"), (5, "payment.failed")])
    single = lifecycle("pay-b", at(0), [(0, "payment.requested"), (6, "payment.succeeded")])
    write(path, first + single)
    assert _table(path) == {}  # one outcome each: nothing to supersede

    second = event(at(60), "payment.succeeded", payment_id="pay-a")
    write(path, [second])
    table = _table(path)
    assert table == _expected(path) and set(table) == {first[1].event_id, second.event_id}
    # The failure is followed by the success, which follows a failure: a recovery.
    assert table[first[1].event_id][5:] == (second.occurred_at, second.received_at, 0)
    assert table[second.event_id][5:] == (None, None, 1)

    third = event(at(120), "payment.failed", payment_id="pay-a", error_code="do_not_honor")
    write(path, [third])
    table = _table(path)
    assert len(table) == 3 and table == _expected(path)
    assert table[second.event_id][5] == third.occurred_at
    assert table[third.event_id][4] == "do_not_honor"


def test_a_late_outcome_that_occurred_earlier_takes_its_place_in_the_order(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite"
    failed = event(at(100), "payment.failed", payment_id="pay-a")
    succeeded = event(at(200), "payment.succeeded", payment_id="pay-a")
    # Received last, occurred first (a backlog): first by event time, last by arrival.
    backlog = replace(
        event(at(300), "payment.failed", payment_id="pay-a"),
        occurred_at=utc_iso(at(50)),
    )
    write(path, [failed, succeeded])
    write(path, [backlog])
    table = _table(path)
    assert table == _expected(path)
    assert table[backlog.event_id][5:] == (failed.occurred_at, None, 0)
    assert table[succeeded.event_id][5:] == (None, backlog.received_at, 1)


def test_batches_to_payments_the_table_holds_keep_every_row_in_order(tmp_path: Path) -> None:
    # A payment the table holds adds only its new outcomes and is ordered again: here many
    # batches of outcomes, some occurring before ones already stored, some failures, and
    # payments that join the table on the way.
    path = tmp_path / "history.sqlite"
    rng = random.Random(7)
    for batch in range(12):
        events = []
        for n in range(8):
            status = "payment.failed" if rng.random() < 0.3 else "payment.succeeded"
            late = replace(
                event(at(batch * 100 + n), status, payment_id=f"pay-{rng.randrange(4)}"),
                occurred_at=utc_iso(at(rng.uniform(0, 1200))),
            )
            events.append(late)
        write(path, events)
        assert _table(path) == _expected(path), f"after batch {batch}"
    assert len(_table(path)) == 96


def test_two_outcomes_in_one_batch_and_duplicates_are_counted_as_duplicates(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite"
    failed = event(at(0), "payment.failed", payment_id="pay-a")
    succeeded = event(at(30), "payment.succeeded", payment_id="pay-a")
    with EventStore(path) as store:
        assert len(store.insert_batch([failed, succeeded]).inserted) == 2
        # Stored again with one new outcome: one is new, two are duplicates, and the known
        # ones are not looked at again as outcomes of this batch.
        again = event(at(40), "payment.succeeded", payment_id="pay-a")
        result = store.insert_batch([failed, succeeded, again])
        assert (result.inserted, result.duplicates) == ([again], 2)
    assert len(_table(path)) == 3 and _table(path) == _expected(path)


def test_replay_copies_neither_enter_nor_make_a_payment_multi_outcome(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    failed = event(at(0), "payment.failed", payment_id="pay-a")
    copies = [replay_copy(failed, at(60)), replay_copy(failed, at(90), attempt=2)]
    write(path, [failed, *copies])
    assert _table(path) == {}

    # A real second outcome: the original failure and the success, still no copy.
    succeeded = event(at(120), "payment.succeeded", payment_id="pay-a")
    write(path, [succeeded])
    assert set(_table(path)) == {failed.event_id, succeeded.event_id}
    assert _table(path) == _expected(path)


def test_outcomes_without_a_payment_id_stay_out(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    loose = [event(at(n), "payment.failed") for n in range(3)]
    write(path, [replace(e, payment_id=None) for e in loose])
    assert _table(path) == {}


def test_retention_takes_deleted_outcomes_out_and_orders_the_rest_again(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    old = event(at(0), "payment.failed", payment_id="pay-a")
    new = event(at(3 * 86_400), "payment.succeeded", payment_id="pay-a")
    last = event(at(3 * 86_400 + 5), "payment.failed", payment_id="pay-a")
    write(path, [old, new, last])
    assert len(_table(path)) == 3 and _table(path)[new.event_id][7] == 1

    with Retention(path) as retention:
        result = retention.prune(max_age_days=1, now=at(3 * 86_400 + 60))
    assert result.deleted == 1
    table = _table(path)
    assert table == _expected(path) and set(table) == {new.event_id, last.event_id}
    # The success no longer follows a failure the history holds.
    assert table[new.event_id][5:] == (last.occurred_at, last.received_at, 0)
    conn = sqlite3.connect(path)
    try:  # no row points at a missing event
        orphans = conn.execute(
            f"SELECT count(*) FROM {TABLE} m LEFT JOIN events e ON e.id = m.id WHERE e.id IS NULL"
        ).fetchone()[0]
    finally:
        conn.close()
    assert orphans == 0


def _as_version_10_wrote_them(db: Database, events: list[PaymentEvent]) -> None:
    for e in events:
        row = {name: getattr(e, name) for name in _COLUMNS}
        db.table("events").insert(
            {**row, "status": e.status.value, "replay_of": e.replay_of}, alter=False
        )


def test_migrations_11_and_13_fill_the_table_from_a_history_with_multi_outcome_payments(
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
    _as_version_10_wrote_them(db, [*retried, *twice, *once, copy])
    db.close()

    EventStore(path).close()  # opens at the latest version: migrations 11 to 13 run
    table = _table(path)
    assert table == _expected(path)
    assert {row[0] for row in table.values()} == {"pay-a", "pay-b"}
    assert table[retried[2].event_id][7] == 1  # recovered

    # And insert_batch keeps it from then on.
    write(path, [event(at(200), "payment.succeeded", payment_id="pay-c")])
    assert _table(path) == _expected(path) and len(_table(path)) == 6


def test_migration_13_on_a_version_12_file_built_with_the_insert_trigger(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    db = Database(path)
    assert migrate(db, target=12) == 12
    # A development build of migration 11 kept the table by a trigger: rows already there.
    db.execute(
        f"CREATE TRIGGER {TABLE}_on_insert AFTER INSERT ON events WHEN NEW.status = 'failed' "
        "AND NEW.payment_id IS NOT NULL "
        f"BEGIN INSERT OR IGNORE INTO {TABLE} (id, payment_id, status, event_time, received_at) "
        "VALUES (NEW.id, NEW.payment_id, NEW.status, NEW.received_at, NEW.received_at); END"
    )
    _as_version_10_wrote_them(
        db,
        [
            event(at(0), "payment.failed", payment_id="pay-a"),
            event(at(9), "payment.failed", payment_id="pay-a", error_code="expired_card"),
        ],
    )
    db.close()

    EventStore(path).close()
    table = _table(path)
    assert len(table) == 2 and table == _expected(path)
    conn = sqlite3.connect(path)
    try:
        triggers = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    finally:
        conn.close()
    assert f"{TABLE}_on_insert" not in triggers and f"{TABLE}_on_delete" in triggers


def test_times_are_event_time_with_received_time_for_undated_events(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    late = replace(
        event(at(100), "payment.failed", payment_id="pay-a"),
        occurred_at=event(at(40), "payment.failed").received_at,
    )
    undated = replace(event(at(130), "payment.succeeded", payment_id="pay-a"), occurred_at=None)
    write(path, [late, undated])
    times = {event_id: row[2] for event_id, row in _table(path).items()}
    assert times == {late.event_id: late.occurred_at, undated.event_id: undated.received_at}
    assert times[late.event_id] < late.received_at  # occurred before it arrived
