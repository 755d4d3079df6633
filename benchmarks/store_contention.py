"""Insert rate beside a busy Python thread: why EventStore uses multi-row INSERT statements.

    .venv/bin/python benchmarks/store_contention.py [--rows 10000]

In the tap, SQLite writes while other threads decode and parse AMQP frames. executemany
re-takes the GIL after every row and each re-take waits for the busy thread to yield (up to
the 5 ms switch interval), so it collapses; a multi-row statement re-takes it a few times
per batch. Both are measured alone and beside a spinning thread, in the same run.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store import event_store
from opsdesk.store.event_store import EventStore


def make_events(prefix: str, n: int) -> list[PaymentEvent]:
    body = '{"payment_id": "p", "note": "' + "x" * 900 + '"}'
    return [
        PaymentEvent(
            f"{prefix}-{i}",
            "2026-11-26T00:00:00.000Z",
            None,
            "x",
            "payment.succeeded",
            "payment.succeeded",
            Status.SUCCEEDED,
            f"pay-{i}",
            "acme",
            1000,
            "EUR",
            None,
            None,
            None,
            "{}",
            "{}",
            body,
            len(body),
            "native",
        )
        for i in range(n)
    ]


def rate(store: EventStore, events: list[PaymentEvent]) -> float:
    started = time.perf_counter()
    for k in range(0, len(events), 500):
        store.insert_batch(events[k : k + 500])
    return len(events) / (time.perf_counter() - started)


def beside_busy_thread(measure: Callable[[], float]) -> float:
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(1000))

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        return measure()
    finally:
        stop.set()
        spinner.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    n = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as tmp, EventStore(Path(tmp) / "h.sqlite") as store:
        multi: tuple[int, ...] = event_store._CHUNK_ROWS
        results = {}
        cases: tuple[tuple[str, tuple[int, ...]], ...] = (
            ("multi-row INSERT", multi),
            ("one row per statement", (1,)),
        )
        for label, chunks in cases:
            event_store._CHUNK_ROWS = chunks  # type: ignore[assignment]
            alone = rate(store, make_events(f"{label}-a", n))
            second = make_events(f"{label}-b", n)
            busy = beside_busy_thread(functools.partial(rate, store, second))
            results[label] = (alone, busy)
        event_store._CHUNK_ROWS = multi  # type: ignore[assignment]
    for label, (alone, busy) in results.items():
        print(f"{label:22}: {alone:9,.0f} rows/s alone, {busy:9,.0f} rows/s beside a busy thread")


if __name__ == "__main__":
    main()
