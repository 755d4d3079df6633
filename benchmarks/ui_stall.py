"""UI-thread stalls of the whole opsdesk window while its tap ingests at the maximum rate.

    .venv/bin/python benchmarks/ui_stall.py [--events 100000] [--history-rows 1000000]
        [--rounds 1] [--baseline-seconds 5] [--no-interact] [--store-process]

The desk is built as the application builds it (build_desk, window shown, desk started, the
UI-thread garbage collector), on the offscreen platform, over a copy of a history already
holding --history-rows events (benchmarks/ingest.py's cached template). A 10 ms heartbeat
timer on the UI thread measures every gap between its ticks (stall_heartbeat.py), in phases
of one run:

1. baseline: window open, tap connected and consuming, nothing to ingest (--baseline-seconds);
2. ingest: --events ~1 KB persistent events, published beforehand, all ready in the tap's queue
   at once, so the tap drains as fast as it can; until the tap has stored them all;
3. interact (unless --no-interact): as many events again, while a user switches tabs (History
   with its live rows, Dashboard, Live), pages down, selects rows and jumps back to the newest.

The events wait in the tap's queue (declared with the tap's own arguments, so the desk takes
it as it is) before the desk consumes: published first, then held unacknowledged by a
consumer of this script, which cancels and hands them back (nack, requeue) when a phase
starts; the broker then has all of them ready for the tap at once (held_events.py).

Per phase it prints the events/s stored, the ticks, and the gaps: longest, p99, p99.9, each
raw and as the desk's own share (the gap less the UI thread's run-queue wait: the time the
kernel had it ready to run but gave both cores to something else, the broker or another
process included). Then the longest gaps over 50 ms with their causes, from stacks sampled
while they lasted. Over several rounds the headline takes the longest of the rounds and the
median p99. Target (issue 15): the longest stall while ingesting under 50 ms.
--store-process runs the tap with the profile's store_process = true (decoding and commits
in a child process, away from the UI thread's GIL), for comparison.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pika
from held_events import HeldEvents
from ingest import URL, event_body, prefill_history, publish, wait_for_depth
from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication
from stall_heartbeat import Heartbeat, Summary
from stall_report import PhaseResult, headline, report_long_gaps
from stall_user import Interaction

from opsdesk.config import TapSettings, resolve_profile
from opsdesk.ingest.tap import Tap
from opsdesk.store.event_store import EventStore
from opsdesk.ui.desk import Desk, build_desk
from opsdesk.ui.main_thread_gc import MainThreadCollector, collect_due
from opsdesk.ui.settings import UiSettings

PROFILE = "bench"
POLL_MS = 20  # how often a wait looks at what it waits for, on the UI thread's event loop
SETTLE_S = 2.0  # after start-up (history ids read, first samples): before the baseline
STARTUP_TIMEOUT_S = 120.0
THREADS_END_TIMEOUT_S = 20.0


def run_until(done: Callable[[], bool], timeout: float, what: str) -> None:
    """Run the UI thread's event loop (as app.exec() does) until `done()`, or fail."""
    if done():
        return
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(POLL_MS)

    def check() -> None:
        if done() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    if not done():
        raise TimeoutError(f"{what}: not within {timeout:.0f} s")


def profile_text(exchange: str, queue: str, max_length: int, store_process: bool) -> str:
    child = "\nstore_process = true" if store_process else ""  # else the window's default
    return f"""
[profiles.{PROFILE}]
url = "{URL.replace(":guest@", "@")}"  # the password comes from OPSDESK_PASSWORD
operator = "ui-stall-bench"

[[profiles.{PROFILE}.bindings]]
exchange = "{exchange}"
routing_key = "#"

[profiles.{PROFILE}.tap]
queue = "{queue}"
max_length = {max_length}{child}

[profiles.{PROFILE}.monitor]
queues = ["{queue}"]
"""


def one_round(args: argparse.Namespace, template: Path) -> list[PhaseResult]:
    n, phases = args.events, 1 if args.no_interact else 2  # phases that ingest n events
    tag = uuid.uuid4().hex[:8]
    exchange, queue = f"bench.{tag}.uistall.x", f"bench.{tag}.uistall.tap"
    tap_settings = TapSettings(queue=queue, max_length=max(1_000_000, n * phases + 1000))
    workdir = Path(tempfile.mkdtemp(prefix="opsdesk-ui-stall-"))
    db = workdir / "history.sqlite"
    config = workdir / "profiles.toml"
    text = profile_text(exchange, queue, tap_settings.max_length or 0, args.store_process)
    config.write_text(text, "utf-8")
    connection = pika.BlockingConnection(pika.URLParameters(URL))
    channel = connection.channel()
    held: HeldEvents | None = None
    try:
        channel.exchange_declare(exchange, "topic")
        channel.queue_declare(queue, durable=True, arguments=tap_settings.queue_arguments())
        channel.queue_bind(queue, exchange, "#")
        publish(channel, exchange, n * phases)
        wait_for_depth(channel, queue, n * phases)
        held = HeldEvents(URL, queue, n * phases)
        shutil.copyfile(template, db)
        db.chmod(0o600)  # as opsdesk creates it
        return run_desk(args, db, workdir, channel, queue, held)
    finally:
        if held is not None:
            held.close()
        if connection.is_open:
            channel.queue_delete(queue)
            channel.exchange_delete(exchange)
            connection.close()
        shutil.rmtree(workdir, ignore_errors=True)


def run_desk(
    args: argparse.Namespace,
    db: Path,
    workdir: Path,
    channel: pika.adapters.blocking_connection.BlockingChannel,
    queue: str,
    held: HeldEvents,
) -> list[PhaseResult]:
    n = args.events
    profile = resolve_profile(PROFILE, config_path=workdir / "profiles.toml")
    settings = UiSettings(QSettings(str(workdir / "ui.ini"), QSettings.Format.IniFormat))
    before = set(threading.enumerate())
    desk = build_desk(profile, db, settings, log_file=workdir / "opsdesk.log")
    heartbeat = Heartbeat()
    results: list[PhaseResult] = []
    try:
        desk.window.show()
        desk.start()
        heartbeat.start()
        tap = next(w for w in desk.workers.items if isinstance(w, Tap))
        user = Interaction(desk.window, heartbeat)

        def consumers() -> int:
            return channel.queue_declare(queue, passive=True).method.consumer_count

        run_until(lambda: consumers() >= 1, STARTUP_TIMEOUT_S, "the tap consuming")
        run_until(user.history_loaded, STARTUP_TIMEOUT_S, "the history's ids read")
        settle_end = time.monotonic() + SETTLE_S
        run_until(lambda: time.monotonic() >= settle_end, SETTLE_S + 5, "settling")

        enter(heartbeat, "baseline")
        started = time.monotonic()
        end = started + args.baseline_seconds
        run_until(lambda: time.monotonic() >= end, args.baseline_seconds + 5, "baseline")
        results.append(phase_result("baseline", heartbeat, started, 0))

        stored_before = tap.counters.stored
        enter(heartbeat, "ingest")
        started = time.monotonic()
        held.release(n)
        timeout = max(300.0, n / 100)
        run_until(lambda: tap.counters.stored >= stored_before + n, timeout, "ingest")
        results.append(phase_result("ingest", heartbeat, started, n))

        if not args.no_interact:
            enter(heartbeat, "interact")
            started = time.monotonic()
            held.release()
            user.start()
            run_until(lambda: tap.counters.stored >= stored_before + 2 * n, timeout, "interact")
            user.stop()
            results.append(phase_result("interact", heartbeat, started, n))
        if tap.counters.duplicates:
            print(f"  note: the tap counted {tap.counters.duplicates:,} duplicates")
    finally:
        heartbeat.stop()
        close_desk(desk, before)
    report_long_gaps(heartbeat.long_gaps)
    return results


def enter(heartbeat: Heartbeat, phase: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {phase} starts", flush=True)  # for a profiler's timing
    heartbeat.enter(phase)


def phase_result(name: str, heartbeat: Heartbeat, started: float, events: int) -> PhaseResult:
    return PhaseResult(
        name, time.monotonic() - started, events, Summary.of(heartbeat.ticks.get(name, []))
    )


def close_desk(desk: Desk, before: set[threading.Thread]) -> None:
    """As Ctrl+Q and aboutToQuit do; every thread the desk started must end."""
    desk.window.close()
    desk.stop()
    started = [t for t in threading.enumerate() if t not in before]
    for thread in started:
        thread.join(THREADS_END_TIMEOUT_S / max(len(started), 1))
    desk.window.deleteLater()
    QApplication.processEvents()
    collect_due()
    alive = [t.name for t in started if t.is_alive()]
    if alive:
        raise SystemExit(f"threads still running after the desk stopped: {alive}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--history-rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    parser.add_argument("--no-interact", action="store_true", help="skip phase 3")
    parser.add_argument(
        "--store-process",
        action="store_true",
        help="the profile's store_process = true: decode and commit in a child process",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ["OPSDESK_PASSWORD"] = "guest"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # read when the application starts
    app = QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName("opsdesk-bench")  # no default QSettings of the user's
    QCoreApplication.setApplicationName(f"opsdesk-ui-stall-{os.getpid()}")
    collector = MainThreadCollector(app)  # as run_gui: garbage collected on the UI thread

    t0 = time.perf_counter()
    template = Path(tempfile.gettempdir()) / f"opsdesk-bench-history-{args.history_rows}.sqlite"
    if not template.exists():  # built once, reused by later runs (and by ingest.py's)
        prefill_history(template, args.history_rows)
    EventStore(template).close()  # at the current schema, so the desk does not migrate
    print(f"history of {args.history_rows:,} events ready in {time.perf_counter() - t0:.1f}s")
    print(
        f"{args.rounds} round(s): {args.events:,} events of ~{len(event_body(0))} bytes per "
        f"ingest phase; heartbeat every 10 ms on the UI thread; gaps in ms"
    )
    rounds = []
    for i in range(args.rounds):
        print(f"round {i + 1}:")
        rounds.append(one_round(args, template))
        for result in rounds[-1]:
            print(result.text())
    collector.deleteLater()
    headline(rounds)


if __name__ == "__main__":
    main()
