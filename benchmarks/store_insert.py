"""EventStore.insert_batch throughput: 500-event batches into a fresh file and a 1M-row file.

Run:  PYTHONPATH=. .venv/bin/python benchmarks/store_insert.py
      [--rows 1000000] [--batches 40] [--drop-index events_payment_id] [--dir /some/disk]

Every figure is printed beside a baseline measured in the same run on the same file: a plain
sqlite3 `executemany` INSERT into the same schema, same pragmas, one transaction per batch, with
no duplicate detection. The other lines are the ways of learning which rows were new that were
considered for insert_batch. All run interleaved batch by batch, so load from other processes
hits them alike; rates come from the median batch. Event ids are random (uuid4-like), the
costly but common case: each random-keyed index then dirties about one page per row.
"""

from __future__ import annotations

import argparse
import operator
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store.event_store import EventStore

BATCH = 500
FIELDS = tuple(f.name for f in fields(PaymentEvent))
COLUMNS = ", ".join(FIELDS)
ROW = "(" + ", ".join("?" * len(FIELDS)) + ")"
BODY = '{"type":"payment.failed","data":{' + '"note":"' + "x" * 880 + '"}}'
STATUSES = [Status.SUCCEEDED] * 8 + [Status.FAILED, Status.PENDING]

Strategy = Callable[[EventStore, list[PaymentEvent]], int]


def make_batch(rng: random.Random, start: float) -> list[PaymentEvent]:
    events = []
    for i in range(BATCH):
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start + i / 1000)) + "Z"
        events.append(
            PaymentEvent(
                event_id=uuid.UUID(int=rng.getrandbits(128)).hex,
                received_at=ts,
                occurred_at=ts,
                exchange="payments.events",
                routing_key="payment.failed",
                type="payment.failed",
                status=rng.choice(STATUSES),
                payment_id=f"pay_{rng.getrandbits(64):016x}",
                merchant=f"merchant-{rng.randrange(200)}",
                amount_minor=rng.randrange(100, 1_000_000),
                currency="EUR",
                error_code="card_declined",
                idempotency_key=f"idem-{rng.getrandbits(64):016x}",
                decode_error=None,
                headers='{"x-source":"psp"}',
                properties='{"content_type":"application/json","delivery_mode":2}',
                body=BODY,
                body_size=len(BODY),
                format="native",
            )
        )
    return events


# The same C-level row builder insert_batch uses, so only the SQL strategy differs.
params = operator.attrgetter(*FIELDS)


def baseline(store: EventStore, events: list[PaymentEvent]) -> int:
    conn = store.db.conn
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO events ({COLUMNS}) VALUES {ROW}", map(params, events))
    conn.execute("COMMIT")
    return len(events)


def insert_batch(store: EventStore, events: list[PaymentEvent]) -> int:
    return len(store.insert_batch(events).inserted)


def insert_batch_normal(store: EventStore, events: list[PaymentEvent]) -> int:
    """insert_batch with synchronous=NORMAL (the WAL is not fsynced at each commit)."""
    store.db.execute("PRAGMA synchronous = NORMAL")
    try:
        return len(store.insert_batch(events).inserted)
    finally:
        store.db.execute("PRAGMA synchronous = FULL")


def preselect(store: EventStore, events: list[PaymentEvent]) -> int:
    conn = store.db.conn
    ids = [e.event_id for e in events]
    conn.execute("BEGIN IMMEDIATE")
    sql = f"SELECT event_id FROM events WHERE event_id IN ({', '.join('?' * len(ids))})"
    known = {row[0] for row in conn.execute(sql, ids)}
    new = [e for e in events if e.event_id not in known]
    conn.executemany(f"INSERT INTO events ({COLUMNS}) VALUES {ROW}", map(params, new))
    conn.execute("COMMIT")
    return len(new)


def returning(store: EventStore, events: list[PaymentEvent]) -> int:
    conn = store.db.conn
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(FIELDS)
    stored: set[str] = set()
    conn.execute("BEGIN IMMEDIATE")
    for start in range(0, len(events), limit):
        chunk = events[start : start + limit]
        sql = (
            f"INSERT INTO events ({COLUMNS}) VALUES {', '.join([ROW] * len(chunk))} "
            "ON CONFLICT(event_id) DO NOTHING RETURNING event_id"
        )
        flat = [value for e in chunk for value in params(e)]
        stored.update(row[0] for row in conn.execute(sql, flat))
    conn.execute("COMMIT")
    return len(stored)


def per_row(store: EventStore, events: list[PaymentEvent]) -> int:
    conn = store.db.conn
    sql = f"INSERT INTO events ({COLUMNS}) VALUES {ROW} ON CONFLICT(event_id) DO NOTHING"
    new = 0
    conn.execute("BEGIN IMMEDIATE")
    for e in events:
        new += conn.execute(sql, params(e)).rowcount
    conn.execute("COMMIT")
    return new


def build_big(path: Path, rows: int) -> float:
    """Fill `path` with `rows` events fast: one INSERT ... SELECT of random ids."""
    EventStore(path).close()  # schema via the real migrations
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    # No journal while filling (a crash just means rebuilding); enough cache for the
    # indexes, so random ids cost memory work, not I/O. Ids arrive in random order, as
    # in real life, which leaves index pages about 70% full.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -300000")
    conn.execute("BEGIN")
    conn.execute(
        f"""
        INSERT INTO events ({COLUMNS})
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2),
             numbered(k, eid) AS (SELECT i, lower(hex(randomblob(16))) FROM n)
        SELECT eid, strftime('%Y-%m-%dT%H:%M:%fZ', 1600000000 + k / 100.0, 'unixepoch'), NULL,
               'payments.events', 'payment.succeeded', 'payment.succeeded',
               CASE k % 10 WHEN 0 THEN 'failed' WHEN 1 THEN 'pending' ELSE 'succeeded' END,
               'pay_' || substr(eid, 1, 16), 'merchant-' || (k % 200), k % 100000, 'EUR',
               NULL, NULL, NULL, '{{}}', '{{}}', ?1, length(?1), 'native',
               NULL, NULL
        FROM numbered
        """,
        (BODY, rows),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return time.perf_counter() - started


def measure(
    path: Path, strategies: dict[str, Strategy], batches: int, rng: random.Random
) -> dict[str, tuple[float, float]]:
    """(rows/s, slowest batch in s) per strategy, interleaved so load drift hits all alike.

    Automatic checkpoints are off on the measuring connections: one would land on whichever
    strategy crossed the threshold. Instead each round ends with a checkpoint whose time
    is shared equally, so every figure includes its part of the checkpoint cost. The rate
    comes from the median batch, so a stall caused by another process on this shared
    machine does not decide the figure. One connection serves all: a second one would find
    its page cache invalidated by every write of the first.
    """
    store = EventStore(path)
    store.db.execute("PRAGMA wal_autocheckpoint = 0")
    times: dict[str, list[float]] = {name: [] for name in strategies}
    stored_before: list[PaymentEvent] = []
    clock = 1_700_000_000.0
    try:
        names = list(strategies)
        for round_ in range(batches):
            # Rotate who goes first: the batch after a checkpoint restarts the WAL.
            turn = round_ % len(names)
            for name in names[turn:] + names[:turn]:
                events = make_batch(rng, clock)
                clock += 1
                expected = len(events)
                if name == WITH_DUPLICATES and stored_before:
                    repeats = stored_before[: BATCH // 10]
                    events = repeats + events[len(repeats) :]
                    expected -= len(repeats)
                started = time.perf_counter()
                stored = strategies[name](store, events)
                times[name].append(time.perf_counter() - started)
                assert stored == expected, (name, stored, expected)
                stored_before = events
            started = time.perf_counter()
            store.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            share = (time.perf_counter() - started) / len(strategies)
            for name in strategies:
                times[name][-1] += share
    finally:
        store.close()
    return {name: (BATCH / statistics.median(t), max(t)) for name, t in times.items()}


# insert_batch again, but 10% of each batch was stored before: its slow path.
WITH_DUPLICATES = "insert_batch, 10% duplicates"
STRATEGIES: dict[str, Strategy] = {
    "baseline executemany INSERT": baseline,
    "insert_batch (FULL)": insert_batch,
    "insert_batch (NORMAL)": insert_batch_normal,
    WITH_DUPLICATES: insert_batch,
    "pre-SELECT IN + executemany": preselect,
    "multi-row INSERT RETURNING": returning,
    "per-row INSERT + rowcount": per_row,
}


def report(title: str, rates: dict[str, tuple[float, float]]) -> None:
    base = rates["baseline executemany INSERT"][0]
    print(f"\n{title}")
    for name, (rate, slowest) in rates.items():
        print(
            f"  {name:30s} {rate:8,.0f} rows/s  ({rate / base:4.2f}x baseline)"
            f"  slowest batch {slowest * 1000:4.0f} ms"
        )


def drop_indexes(path: Path, names: list[str]) -> None:
    with sqlite3.connect(path) as conn:
        for name in names:
            conn.execute(f'DROP INDEX "{name}"')
    conn.close()
    if names:
        print(f"\nwithout index {', '.join(names)}:")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the big file")
    parser.add_argument("--batches", type=int, default=40, help="500-row batches per strategy")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the files")
    parser.add_argument(
        "--drop-index",
        action="append",
        default=[],
        metavar="NAME",
        help="measure without this index (e.g. events_payment_id), to price it",
    )
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        fresh = Path(tmp) / "fresh.db"
        EventStore(fresh).close()
        drop_indexes(fresh, args.drop_index)
        report(
            f"fresh file, {args.batches} x {BATCH}-row batches each:",
            measure(fresh, STRATEGIES, args.batches, rng),
        )
        fresh.unlink()
        big = Path(tmp) / "big.db"
        took = build_big(big, args.rows)
        drop_indexes(big, args.drop_index)
        size_mb = big.stat().st_size / 1e6
        print(f"\nbuilt {args.rows:,}-row file in {took:.1f} s ({size_mb:,.0f} MB)")
        report(
            f"file with {args.rows:,} rows, {args.batches} x {BATCH}-row batches each:",
            measure(big, STRATEGIES, args.batches, rng),
        )


if __name__ == "__main__":
    main()
