"""Batch inserts into a 1M-row history: checkpoints in the commit (baseline) vs on a thread.

    .venv/bin/python benchmarks/checkpoint.py [--rows 30000] [--rounds 2]

Baseline: EventStore as any writer opens it, SQLite's automatic checkpoint running inside
whichever COMMIT crosses its threshold. Checkpointer: the tap writer's set-up, automatic
checkpoints off and a WalCheckpointer thread doing them. Both insert the same 500-event
batches into a fresh copy of the same 1M-event history (the one benchmarks/ingest.py builds
and caches), alternating for --rounds rounds. Also shows a busy Python thread beside the
writer, which is why the tap keeps decoding and pika parsing off the writer's hands.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

from ingest import event_body, prefill_history

from opsdesk.events.decode import decode
from opsdesk.events.model import PaymentEvent, RawMessage
from opsdesk.store.checkpointer import WalCheckpointer
from opsdesk.store.event_store import EventStore

BATCH = 500
HISTORY_ROWS = 1_000_000


def run(template: Path, events: list[PaymentEvent], threaded: bool, busy: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "history.sqlite"
        shutil.copyfile(template, db)
        store = EventStore(db, autocheckpoint=not threaded)
        checkpointer = WalCheckpointer(db) if threaded else None
        stop = threading.Event()
        spinner = threading.Thread(target=_spin, args=(stop,)) if busy else None
        for thread in (checkpointer, spinner):
            if thread is not None:
                thread.start()
        started = time.perf_counter()
        for i in range(0, len(events), BATCH):
            store.insert_batch(events[i : i + BATCH])
        elapsed = time.perf_counter() - started
        stop.set()
        if spinner is not None:
            spinner.join()
        if checkpointer is not None:
            checkpointer.stop()
        store.close()
    return len(events) / elapsed


def _spin(stop: threading.Event) -> None:
    total = 0
    while not stop.is_set():
        for i in range(1000):
            total += i


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000, help="events inserted per run")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    template = Path(tempfile.gettempdir()) / f"opsdesk-bench-history-{HISTORY_ROWS}.sqlite"
    if not template.exists():
        print(f"building a {HISTORY_ROWS:,}-event history (once, a few minutes)...")
        prefill_history(template, HISTORY_ROWS)
    EventStore(template).close()  # at the current schema
    received = "2026-11-26T10:00:00.000Z"
    events = [
        decode(RawMessage(body=event_body(5_000_000 + i), routing_key="payment.x"), received)
        for i in range(args.rows)
    ]
    cases = {
        "checkpoint in the commit (baseline)": (False, False),
        "WalCheckpointer thread": (True, False),
        "WalCheckpointer thread, busy thread beside": (True, True),
    }
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, (threaded, busy) in cases.items():
            results[name].append(run(template, events, threaded, busy))
    print(f"{args.rows:,} events in {BATCH}-event batches into a {HISTORY_ROWS:,}-event history:")
    base = max(results["checkpoint in the commit (baseline)"])
    for name, rates in results.items():
        best = max(rates)
        shown = ", ".join(f"{r:,.0f}" for r in rates)
        print(f"  {name:44s} best {best:7,.0f} rows/s ({best / base:.1f}x)  runs: {shown}")


if __name__ == "__main__":
    main()
