"""What keeping multi_outcomes costs ingest: the same batches into a file with and without it.

    PYTHONPATH=. .venv/bin/python benchmarks/outcome_upkeep.py [--rows 1000000] [--batches 200]
        [--again 0.033]

benchmarks/store_insert.py gives every event a payment of its own, so the upkeep's look at a
payment's earlier events never finds one. Here payments are realistic: a request, then one
outcome 2-5 s later; 10% fail and a third of those are answered again 30 s later (a second
outcome; --again 1 makes every payment do so, the worst case). A history of --rows such
events is built once at version 10 and migrated (timed: migrations 11 and up fill
multi_outcomes), then copied, and the copy loses multi_outcomes, its trigger and the
replay-copy index, and is written without the upkeep call: the write path of version 10.
The same 500-event batches (payments going on, so each outcome's request is already stored)
then go into both through EventStore.insert_batch, alternating which goes first; rows/s come
from the median batch.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import fields
from pathlib import Path

from sqlite_utils import Database

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store import event_store
from opsdesk.store.event_store import EventStore
from opsdesk.store.migrations import LATEST_VERSION, migrate

BATCH = 500
BODY = '{"type":"payment","data":{"note":"' + "x" * 880 + '"}}'
FIELDS = tuple(f.name for f in fields(PaymentEvent))
UPKEEP = event_store.note_new_outcomes
WITH, WITHOUT = "with the upkeep", "version 10's path"
AGAIN = 0.1 / 3  # 10% fail, a third of those are replayed


def stream(
    rng: random.Random, start: float, payments: int, first: int, again: float = AGAIN
) -> Iterator[PaymentEvent]:
    """The events of `payments` payments starting every 10 ms, in arrival order; a share
    `again` of them fail first and are answered again 30 s later."""
    steps: list[tuple[float, int, str, Status]] = []
    for n in range(first, first + payments):
        began = start + (n - first) * 0.01
        steps.append((began, n, "payment.requested", Status.PENDING))
        roll = rng.random()
        answered = began + rng.uniform(2, 5)
        if roll < max(0.10, again):
            steps.append((answered, n, "payment.failed", Status.FAILED))
            if roll < again:
                steps.append((answered + 30, n, "payment.succeeded", Status.SUCCEEDED))
        else:
            steps.append((answered, n, "payment.succeeded", Status.SUCCEEDED))
    steps.sort()
    for k, (at, n, kind, status) in enumerate(steps):
        stamp = (
            time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at * 1000) % 1000:03d}Z"
        )
        yield PaymentEvent(
            event_id=f"{first}-{k}-{rng.getrandbits(64):016x}",
            received_at=stamp,
            occurred_at=stamp,
            exchange="payments.events",
            routing_key=kind,
            type=kind,
            status=status,
            payment_id=f"pay_{n:012d}",
            merchant=f"merchant-{n % 200}",
            amount_minor=1000 + n % 90_000,
            currency="EUR",
            error_code="card_declined" if status is Status.FAILED else None,
            idempotency_key=f"idem-{n}",
            decode_error=None,
            headers="{}",
            properties="{}",
            body=BODY,
            body_size=len(BODY),
            format="native",
        )


def build(path: Path, rows: int, again: float) -> None:
    """A version 10 history of `rows` events filled raw, then migrated (timed)."""
    db = Database(path)
    migrate(db, target=10)
    db.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -300000")
    conn.execute("BEGIN")
    sql = f"INSERT INTO events ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})"
    events = stream(random.Random(1), 1_600_000_000.0, rows // 2 + 1, 0, again)
    first = itertools.islice(events, rows)
    conn.executemany(sql, ([getattr(e, f) for f in FIELDS] for e in first))
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    started = time.perf_counter()
    EventStore(path).close()
    took = time.perf_counter() - started
    print(f"migrations 11-{LATEST_VERSION} on {rows:,} events: {took:.1f} s")


def as_version_10(path: Path) -> None:
    conn = sqlite3.connect(path)
    for statement in (
        "DROP TRIGGER multi_outcomes_on_delete",
        "DROP TABLE multi_outcomes",
        "DROP INDEX events_replay_copies",
    ):
        conn.execute(statement)
    conn.commit()
    conn.close()


def no_upkeep(conn: sqlite3.Connection, last_id: int, inserted: Sequence[PaymentEvent]) -> None:
    """What insert_batch called before migration 11: nothing."""


def measure(files: dict[str, Path], batches: int, again: float) -> dict[str, list[float]]:
    live = list(stream(random.Random(2), 1_700_000_000.0, batches * 300, 10_000_000, again))
    stores = {name: EventStore(path) for name, path in files.items()}
    times: dict[str, list[float]] = {name: [] for name in stores}
    try:
        for store in stores.values():
            store.db.execute("PRAGMA wal_autocheckpoint = 0")
        names = list(stores)
        for b in range(batches):
            batch = live[b * BATCH : (b + 1) * BATCH]
            if len(batch) < BATCH:
                break
            for name in names if b % 2 == 0 else names[::-1]:
                event_store.note_new_outcomes = UPKEEP if name == WITH else no_upkeep
                started = time.perf_counter()
                stores[name].insert_batch(batch)
                times[name].append(time.perf_counter() - started)
            for store in stores.values():
                store.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        event_store.note_new_outcomes = UPKEEP
        for store in stores.values():
            store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument(
        "--again", type=float, default=AGAIN, help="share of payments with two outcomes (1: all)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = {WITH: Path(tmp) / "with.db", WITHOUT: Path(tmp) / "without.db"}
        started = time.perf_counter()
        build(files[WITH], args.rows, args.again)
        print(f"built {args.rows:,} events in {time.perf_counter() - started:.0f} s")
        shutil.copy(files[WITH], files[WITHOUT])
        as_version_10(files[WITHOUT])
        times = measure(files, args.batches, args.again)
    for name, spent in times.items():
        rate = BATCH / statistics.median(spent)
        print(f"  {name:20s} {rate:8,.0f} rows/s (median of {len(spent)} batches)")
    cost = statistics.median(times[WITH]) / statistics.median(times[WITHOUT]) - 1
    print(f"  the upkeep costs {cost:+.1%} time per batch")


if __name__ == "__main__":
    main()
