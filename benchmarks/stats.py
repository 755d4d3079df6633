"""Dashboard statistics over a 24-hour window of 1M and 5M stored events, beside baselines.

    .venv/bin/python benchmarks/stats.py [--sizes 1000000 5000000] [--repeat 5]

Histories are built once with bulk inserts (about 3 events per payment: requested,
authorized, then succeeded / failed, some refunded, a few left pending; a third of the
failed payments replayed by an operator minutes later: a copy of the request, then a new
outcome, 70% succeeded) and cached in the temp folder, like benchmarks/ingest.py. Each figure
is the best of --repeat runs, printed beside a baseline measured in the same run on the same
file: `count(*)` of the window's events through the received_at index. The bulk insert
fills a version 10 file and the real migrations take it to the current schema, so
migration 11 fills multi_outcomes as it would on a desk's history (timed when built). The
figures a dashboard counts by payment or by attempt are printed side by side (issue 11).
Here events occur when they are received, so every figure compares with runs of earlier
schemas. Event and payment ids grow with time here, so building is quick; queries do not
depend on it.
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sqlite_utils import Database

from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_store import EventStore
from opsdesk.store.migrations import LATEST_VERSION, migrate
from opsdesk.store.statistics.headline import compute_headline
from opsdesk.store.statistics.left_out import EVENT_TIME
from opsdesk.store.statistics.reader import Statistics
from opsdesk.store.statistics.replay_copies import outcome_copies
from opsdesk.store.statistics.values import CountBasis, Dimension, Selector
from opsdesk.store.statistics.windows import PRESETS, Window

END = datetime(2026, 1, 15, tzinfo=UTC)  # "now" of every benchmark history
SPAN = timedelta(hours=24)
MERCHANTS = [f"merchant-{n:02d}" for n in range(40)]
CURRENCIES = ["EUR", "USD", "GBP", "SEK", "JPY"]
CODES = ["insufficient_funds", "card_declined", "do_not_honor", "expired_card", "fraud"]
BODY_PAD = "x" * 500  # stored bodies are ~600 bytes, so table pages are as big as in real use
COLUMNS = (
    "event_id, received_at, occurred_at, exchange, routing_key, type, status, payment_id, "
    "merchant, amount_minor, currency, error_code, idempotency_key, decode_error, headers, "
    "properties, body, body_size, format, replay_of"
)
REPLAYED = 1 / 3  # of the failed payments, replayed by an operator
RETRY_SUCCEEDS = 0.7
Step = tuple[float, str, str, str | None, bool]  # offset s, type, status, error code, a copy


def lifecycle(rng: random.Random, n: int, start: float) -> list[Step]:
    """Payment n's events: (offset seconds, type, status, error code, replay copy)."""
    steps: list[Step] = [(0.0, "payment.requested", "pending", None, False)]
    roll = rng.random()
    if roll < 0.003:
        return steps  # stuck right after the request
    t = rng.uniform(0.2, 3.0)
    steps.append((t, "payment.authorized", "pending", None, False))
    if roll < 0.006:
        return steps  # stuck after authorization
    t += rng.expovariate(1 / 4.0)
    if roll < 0.13:
        steps.append((t, "payment.failed", "failed", rng.choice(CODES), False))
        if rng.random() < REPLAYED:  # the request re-sent, and the processor's new answer
            t += rng.uniform(60, 900)
            steps.append((t, "payment.requested", "pending", None, True))
            t += rng.uniform(0.5, 5.0)
            if rng.random() < RETRY_SUCCEEDS:
                steps.append((t, "payment.succeeded", "succeeded", None, False))
            else:
                steps.append((t, "payment.failed", "failed", rng.choice(CODES), False))
    else:
        steps.append((t, "payment.succeeded", "succeeded", None, False))
        if roll > 0.97:
            steps.append((t + rng.uniform(600, 7200), "payment.refunded", "refunded", None, False))
    return steps


def rows(total: int, seed: int = 7) -> Iterator[tuple[object, ...]]:
    """`total` events over the 24 h before END, in arrival order, streamed through a heap."""
    rng = random.Random(seed)
    payments = total // 3 + 1
    start = (END - SPAN).timestamp()
    span = SPAN.total_seconds() - 60
    pending: list[tuple[float, int, str, str, str | None, bool]] = []
    emitted = 0

    def emit(until: float) -> Iterator[tuple[object, ...]]:
        nonlocal emitted
        while pending and pending[0][0] <= until and emitted < total:
            at, n, kind, status, code, copy = heapq.heappop(pending)
            moment = utc_iso(datetime.fromtimestamp(at, UTC))
            body = f'{{"type": "{kind}", "payment_id": "pay-{n:09d}", "pad": "{BODY_PAD}"}}'
            yield (
                f"evt-{emitted:010d}", moment, moment, "payments.events", kind, kind, status,
                f"pay-{n:09d}", MERCHANTS[n % len(MERCHANTS)], 1000 + n % 90_000,
                CURRENCIES[n % len(CURRENCIES)], code, f"idem-{n}", None, "{}", "{}", body,
                len(body), "native", f"req-{n:09d}" if copy else None,
            )  # fmt: skip
            emitted += 1

    for n in range(payments):
        began = start + span * n / payments
        for offset, kind, status, code, copy in lifecycle(rng, n, began):
            if began + offset < END.timestamp():
                heapq.heappush(pending, (began + offset, n, kind, status, code, copy))
        # Later payments start later, so everything up to `began` is final.
        yield from emit(began)
        if emitted >= total:
            return
    yield from emit(END.timestamp())


def build(path: Path, total: int) -> None:
    """A history file of `total` events: one bulk insert at version 10, then migrated."""
    db = Database(path)
    migrate(db, target=10)
    db.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    placeholders = ", ".join("?" * len(COLUMNS.split(",")))
    with conn:
        conn.executemany(f"INSERT INTO events ({COLUMNS}) VALUES ({placeholders})", rows(total))
    conn.close()
    started = time.perf_counter()
    EventStore(path).close()  # migration 11 fills multi_outcomes from what is stored
    print(
        f"migrations 11-{LATEST_VERSION} on {total:,} events: {time.perf_counter() - started:.1f}s"
    )


def history(total: int) -> Path:
    """The cached history of `total` events, built on first use (other runs may share it)."""
    name = f"opsdesk-bench-stats-v{LATEST_VERSION}-replays-{total}.sqlite"
    template = Path(tempfile.gettempdir()) / name
    if not template.exists():
        started = time.perf_counter()
        # Built under a name of our own and renamed when complete, so a run started
        # meanwhile never reads (or deletes) a half-built file.
        partial = template.with_suffix(f".partial-{os.getpid()}")
        try:
            build(partial, total)
            partial.replace(template)
        finally:
            for leftover in (partial, *partial.parent.glob(partial.name + "-*")):
                leftover.unlink(missing_ok=True)
        print(f"built {total:,} events in {time.perf_counter() - started:.1f}s -> {template}")
    return template


def best_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def measure(total: int, repeat: int) -> None:
    path = history(total)
    now = END - timedelta(seconds=1)
    window = Window.last(PRESETS["24h"], now)
    start, end = window.start_iso, window.end_iso
    with Statistics(path) as stats:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        count_sql = "SELECT count(*) FROM events WHERE received_at >= ? AND received_at < ?"
        tail_start = utc_iso(now - timedelta(minutes=5))

        def count(since: str) -> int:
            return int(conn.execute(count_sql, (since, end)).fetchone()[0])

        events = count(start)
        baseline = best_ms(lambda: count(start), repeat)
        tail_baseline = best_ms(lambda: count(tail_start), repeat)
        print(f"\n{total:,} events in the history, {events:,} in the 24 h window")
        print(
            f"  {'baseline: count(*) of the 24 h window (received_at index)':<58}{baseline:8.1f} ms"
        )
        print(f"  {'baseline: count(*) of its last 5 min':<58}{tail_baseline:8.1f} ms")
        previous = stats.series(window, now=now - timedelta(seconds=5))
        merchant = Selector(Dimension.MERCHANT, "merchant-07")
        rows_ = [
            ("full 24 h series (by status, 288 buckets)",
             lambda: stats.series(window, now=now)),
            ("live refresh of that series (5 s later)", lambda: stats.refresh(previous, now)),
            ("breakdown by merchant", lambda: stats.breakdown(window, Dimension.MERCHANT)),
            ("breakdown by error code", lambda: stats.breakdown(window, Dimension.ERROR_CODE)),
            ("latency p50/p90/p99 (5k sample)", lambda: stats.latency(window)),
            ("stuck payments (24 h horizon, limit 200)", lambda: stats.stuck_payments(now)),
            ("recoveries in the 24 h window", lambda: stats.recovered(window)),
            # What every count by attempt reads besides its own counts, to take copies off.
            ("replay copies of outcomes in the window (partial index)",
             lambda: outcome_copies(conn, EVENT_TIME, start, end)),
        ]  # fmt: skip
        for label, action in rows_:
            ms = best_ms(action, repeat)
            print(f"  {label:<58}{ms:8.1f} ms  ({ms / baseline:5.2f}x baseline)")
        print(f"  {'counted':<58}{'by attempt':>11}{'by payment':>12}")
        for label, figure in basis_figures(stats, window, now, merchant).items():
            attempt, payment = (best_ms(partial(figure, basis), repeat) for basis in BASES)
            print(
                f"  {label:<58}{attempt:8.1f} ms{payment:9.1f} ms"
                f"  ({payment / attempt:4.2f}x by attempt, {payment / baseline:5.2f}x baseline)"
            )
        conn.close()


BASES = (CountBasis.ATTEMPT, CountBasis.PAYMENT)


def basis_figures(
    stats: Statistics, window: Window, now: datetime, merchant: Selector
) -> dict[str, Callable[[CountBasis], object]]:
    """The figures the dashboard counts on a basis: label -> run it on a basis."""
    earlier = {
        basis: stats.rate_series(window, now=now - timedelta(seconds=5), basis=basis)
        for basis in BASES
    }
    return {
        "success-rate series, overall": lambda b: stats.rate_series(window, now=now, basis=b),
        "success-rate series, one merchant": lambda b: stats.rate_series(
            window, merchant, now=now, basis=b
        ),
        "live refresh of the overall one (5 s later)": lambda b: stats.refresh_rates(
            earlier[b], now
        ),
        "failures per error code series (top 5)": lambda b: stats.failure_code_series(
            window, basis=b
        ),
        "outcomes of the last 15 min (a tile's figure)": lambda b: stats.outcomes(
            now - timedelta(minutes=15), now, basis=b
        ),
        "headline tiles (with the 24 h recoveries)": lambda b: compute_headline(
            stats, {}, now, basis=b, recovery_window=window
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("targets: full series < 300 ms at 1M events, live refresh < 50 ms")
    for total in args.sizes:
        measure(total, args.repeat)


if __name__ == "__main__":
    main()
