"""A generated history with known answers: realistic spread, deterministic, plus planted rows.

`generate(n, seed)` returns PaymentEvents in arrival order (row id i+1 for the i-th one when
written to an empty file). Tests compute the expected answer of a filter with `reference`,
a plain-Python predicate written independently of the SQL, and compare.
`bulk_write` fills a file fast (one transaction per 50k rows) for benchmarks at 1M+ rows.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opsdesk.events.model import PaymentEvent, Status, undecoded_event
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_store import EventStore

START = datetime(2024, 5, 1, tzinfo=UTC)
MERCHANTS = (*(f"merchant-{i:02d}" for i in range(40)), "café-zürich", "北京商店")
# A few busy merchants and a long tail, as in real traffic.
MERCHANT_WEIGHTS = tuple(30 if i < 4 else 1 for i in range(len(MERCHANTS)))
CURRENCIES = ("EUR", "USD", "GBP", "SEK", "JPY")
ERROR_CODES = (
    "card_declined",
    "gateway_timeout",
    "insufficient_funds",
    "do_not_honor",
    "expired_card",
    "fraud_suspected",
)
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
FIELDS = tuple(f.name for f in fields(PaymentEvent))
_INSERT = f"INSERT INTO events ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})"


def generate(
    n: int,
    *,
    seed: int = 7,
    start: datetime = START,
    span: timedelta = timedelta(days=30),
) -> Iterator[PaymentEvent]:
    """`n` events spread evenly over `span` from `start`, arrival order, payments of 1-3 steps."""
    rng = random.Random(seed)
    step = span / max(n, 1)
    produced = 0
    payment = 0
    while produced < n:
        payment += 1
        for event in _payment_events(rng, payment, seed):
            if produced >= n:
                return
            at = start + step * produced
            received = utc_iso(at)
            occurred = None if produced % 17 == 0 else utc_iso(at - timedelta(milliseconds=250))
            yield _with_times(event, produced, received, occurred)
            produced += 1


def _payment_events(rng: random.Random, payment: int, seed: int) -> list[dict[str, object]]:
    merchant = rng.choices(MERCHANTS, MERCHANT_WEIGHTS)[0]
    currency = CURRENCIES[payment % len(CURRENCIES)]
    amount = rng.randrange(50, 500_000)
    pid = f"pay_{seed}_{payment:08d}"
    base = {"payment_id": pid, "merchant": merchant, "currency": currency, "amount": amount}
    roll = rng.random()
    if roll < 0.005:
        return [{"raw": True, "payment_id": None}]
    steps: list[dict[str, object]] = [{**base, "status": Status.PENDING, "type": "payment.created"}]
    if roll < 0.13:
        code = ERROR_CODES[rng.randrange(len(ERROR_CODES))]
        steps.append({**base, "status": Status.FAILED, "type": "payment.failed", "error": code})
    elif roll < 0.17:
        steps.append({**base, "status": Status.PENDING, "type": "payment.authorized"})
    else:
        steps.append({**base, "status": Status.SUCCEEDED, "type": "payment.succeeded"})
        if roll > 0.98:
            steps.append(
                {**base, "status": Status.REFUNDED, "type": "payment.refunded", "amount": -amount}
            )
    for number, step in enumerate(steps):
        step["word"] = WORDS[(payment + number) % len(WORDS)]
    return steps


def _with_times(
    spec: dict[str, object], index: int, received: str, occurred: str | None
) -> PaymentEvent:
    event_id = f"evt_{index:09d}"
    if spec.get("raw"):
        body = f"not json \\xff #{index}"
        problem = "body is not JSON"
        return undecoded_event(
            event_id, received, "payments.events", "unknown", problem, body, len(body)
        )
    status = spec["status"]
    assert isinstance(status, Status)
    document = {
        "event_id": event_id,
        "type": spec["type"],
        "payment_id": spec["payment_id"],
        "merchant": spec["merchant"],
        "amount_minor": spec["amount"],
        "currency": spec["currency"],
        "status": status.value,
        "error_code": spec.get("error"),
        "note": f"step {spec['word']} of the payment",
        "card": "411111******1111",
    }
    body = json.dumps(document, ensure_ascii=False)
    amount = spec["amount"]
    assert isinstance(amount, int)
    return PaymentEvent(
        event_id=event_id,
        received_at=received,
        occurred_at=occurred,
        exchange="payments.events",
        routing_key=str(spec["type"]),
        type=str(spec["type"]),
        status=status,
        payment_id=str(spec["payment_id"]),
        merchant=str(spec["merchant"]),
        amount_minor=amount,
        currency=str(spec["currency"]),
        error_code=spec.get("error"),  # type: ignore[arg-type]
        idempotency_key=f"idem_{spec['payment_id']}",
        decode_error=None,
        headers=json.dumps({"x-attempt": 1}),
        properties=json.dumps({"message_id": event_id}),
        body=body,
        body_size=len(body.encode()),
        format="native",
    )


def write(path: Path, events: Sequence[PaymentEvent]) -> list[tuple[int, PaymentEvent]]:
    """Store through EventStore (as ingest does); return (row id, event) pairs."""
    with EventStore(path) as store:
        first = store.max_row_id() + 1
        store.insert_batch(list(events))
    return [(first + i, event) for i, event in enumerate(events)]


def write_ids_out_of_time_order(
    path: Path, events: Sequence[PaymentEvent], in_order: int, early: int, spread: int
) -> None:
    """Store the first `in_order` events as they come, then the rest late: `early` of them
    received at the time of one of the first `spread` events (many at the very same instant
    as a stored row, ties broken by id), the others far ahead. Ids then no longer follow
    received_at, as with a collector and a window writing one history."""
    write(path, events[:in_order])
    late = [
        replace(e, event_id=f"late-{i}", received_at=events[(i * 37) % spread].received_at)
        for i, e in enumerate(events[in_order:])
    ]
    write(path, late[:early])
    write(path, [replace(e, received_at="2099-01-01T00:00:00.000Z") for e in late[early:]])


def bulk_write(path: Path, events: Iterator[PaymentEvent], chunk: int = 50_000) -> int:
    """Fill a (new) history file fast for benchmarks; returns the rows written."""
    EventStore(path).close()  # create and migrate
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    written = 0
    batch: list[tuple[object, ...]] = []
    for event in events:
        batch.append(tuple(getattr(event, name) for name in FIELDS))
        if len(batch) >= chunk:
            written += _flush(conn, batch)
    written += _flush(conn, batch)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return written


def _flush(conn: sqlite3.Connection, batch: list[tuple[object, ...]]) -> int:
    with conn:
        conn.executemany(_INSERT, batch)
    count = len(batch)
    batch.clear()
    return count


def check_search_index(path: Path) -> None:
    """FTS5 compares the search index with the events table; raises if they differ."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')")
    finally:
        conn.close()


def reference(event: PaymentEvent, f: EventFilter) -> bool:
    """The filter's meaning, in plain Python (no text condition: tests plant words for that)."""
    checks = (
        f.since is None or event.received_at >= f.since,
        f.until is None or event.received_at < f.until,
        not f.statuses or event.status.value in f.statuses,
        not f.types or event.type in f.types,
        not f.merchants or event.merchant in f.merchants,
        not f.currencies or event.currency in f.currencies,
        f.payment_id is None or event.payment_id == f.payment_id,
        not f.error_codes or event.error_code in f.error_codes,
        f.routing_key is None or event.routing_key == f.routing_key,
        f.exchange is None or event.exchange == f.exchange,
        f.amount_min is None
        or (event.amount_minor is not None and event.amount_minor >= f.amount_min),
        f.amount_max is None
        or (event.amount_minor is not None and event.amount_minor <= f.amount_max),
        not f.decode_errors_only or event.decode_error is not None,
    )
    return all(checks)


def expected_ids(rows: Sequence[tuple[int, PaymentEvent]], f: EventFilter) -> list[int]:
    """Row ids matching `f`, newest first (the table's default order)."""
    return sorted((row_id for row_id, event in rows if reference(event, f)), reverse=True)
