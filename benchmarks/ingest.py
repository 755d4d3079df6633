"""Ingest rate of `opsdesk collect` beside a raw pika consumer on the same broker, same run.

    .venv/bin/python benchmarks/ingest.py [--events 100000] [--history-rows 1000000] [--rounds 3]

Both consumers read their own copy of the same ~1 KB persistent events from a durable queue
(two such queues bound to one exchange): the tap's queue is durable, so the raw consumer's is
too, or the broker's disk work would differ between them. The raw consumer does nothing but
ack (prefetch 1000, ack multiple every 500); the collector decodes, masks, stores into a
history that already holds --history-rows events, and acks after each commit. Also prints
the collector's peak memory (RSS). Rounds run on fresh queues and a fresh copy of the
history, and the medians are compared: on this shared machine the raw consumer alone swings
between 9k and 27k msg/s from one run to the next. Each round also times the straightforward
design (one thread: consume, decode, insert 500, ack) on its own copy of the same events,
the store alone (the same events decoded beforehand, inserted 500 per transaction: no
collector can beat it), and the CPU each message costs: the raw consumer's and the
collector's (its child included, start-up too), each beside the broker's during that phase.
On two cores, 2 s of CPU per second is all there is: the last figure of each round is the
rate that CPU cost allows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pika

from opsdesk.broker.deliveries import Delivery, to_raw_message
from opsdesk.config import TapSettings
from opsdesk.events.decode import decode, decode_many
from opsdesk.events.model import PaymentEvent, RawMessage
from opsdesk.store.checkpointer import WalCheckpointer
from opsdesk.store.event_store import _FIELDS, EventStore, _row_values

URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
MERCHANTS = ["acme", "globex", "initech", "umbrella", "hooli"]


def event_body(i: int) -> bytes:
    body = {
        "event_id": f"bench-{uuid.uuid4()}",
        "type": "payment.failed" if i % 7 == 0 else "payment.succeeded",
        "occurred_at": "2026-11-26T10:00:00Z",
        "payment_id": f"pay-{i // 3}",
        "merchant": MERCHANTS[i % len(MERCHANTS)],
        "amount_minor": 1000 + i % 50_000,
        "currency": "EUR",
        "error_code": "card_declined" if i % 7 == 0 else None,
        "idempotency_key": f"idem-{i // 3}",
        "customer": {"id": f"cus_{i:08d}", "email": f"user{i}@example.com", "country": "DE"},
        "card": {"brand": "visa", "last4": "4242", "exp": "12/29"},
        "metadata": {"order": f"ord-{i:09d}", "channel": "web", "note": "x" * 560},
    }
    return json.dumps(body).encode()


def prefill_history(db: Path, rows: int) -> None:
    """A history that already holds `rows` events, like a desk that has run for weeks."""
    received = datetime(2026, 11, 1).isoformat() + "Z"
    with EventStore(db) as store:
        for start in range(0, rows, 10_000):
            batch = [
                decode(RawMessage(body=event_body(i), routing_key="payment.succeeded"), received)
                for i in range(start, min(rows, start + 10_000))
            ]
            store.insert_batch(batch)


def publish(
    channel: pika.adapters.blocking_connection.BlockingChannel, exchange: str, n: int
) -> None:
    props = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    for i in range(n):
        channel.basic_publish(exchange, "payment.succeeded", event_body(i), props)


def wait_for_depth(
    channel: pika.adapters.blocking_connection.BlockingChannel,
    queue: str,
    n: int,
    timeout: float = 300,
) -> None:
    deadline = time.monotonic() + timeout
    while channel.queue_declare(queue, passive=True).method.message_count < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{queue} never reached {n} messages")
        time.sleep(0.2)


def raw_consume(queue: str, n: int) -> tuple[float, float]:
    """Messages/s of a consumer that does nothing but ack (prefetch 1000, multiple per 500),
    and its CPU seconds from the first message to the last (start-up left out, as for the
    collector's steady figure)."""
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.basic_qos(prefetch_count=1000)
    started = cpu_started = 0.0
    for seen, (method, _props, _body) in enumerate(ch.consume(queue, auto_ack=False), start=1):
        if seen == 1:
            started, cpu_started = time.perf_counter(), time.process_time()
        if seen % 500 == 0 or seen == n:
            ch.basic_ack(method.delivery_tag, multiple=True)
        if seen == n:
            break
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    ch.cancel()
    conn.close()
    return (n - 1) / elapsed, cpu


def store_ceiling(db: Path, n: int) -> tuple[float, float]:
    """Events/s the history alone takes, and its CPU seconds per event (the checkpointer's
    thread included): n events decoded beforehand, 500 per transaction.

    No broker, no decoding, the tap's own store path (insert_batch beside a checkpointer
    thread): no collector can persist faster than this into the same file, nor for less CPU.
    """
    received = _now_iso()
    events = [
        decode(RawMessage(body=event_body(i), routing_key="payment.succeeded"), received)
        for i in range(n)
    ]
    store = EventStore(db, autocheckpoint=False)
    checkpointer = WalCheckpointer(db)
    checkpointer.start()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(0, n, 500):
            store.insert_batch(events[i : i + 500])
        rate = n / (time.perf_counter() - started)
        checkpointer.stop()  # its last checkpoint copies what this store wrote: counted too
        return rate, (time.process_time() - cpu) / n
    finally:
        checkpointer.stop()
        store.close()


def store_floor(db: Path, n: int) -> float:
    """CPU seconds per event of the least any durable history with exactly-once identity
    costs: the same rows into the same history with only the unique event_id index left,
    one plain executemany per 500, WAL with synchronous FULL, the last checkpoint counted.

    What a collector pays on top of its consumer however lean its own code: the argument
    for where a CPU-ratio target can lie (see the README's ingest table).
    """
    import sqlite3

    received = _now_iso()
    rows = [
        _row_values(
            decode(RawMessage(body=event_body(i), routing_key="payment.succeeded"), received)
        )
        for i in range(n)
    ]
    conn = sqlite3.connect(db, isolation_level=None)
    names = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'"
    for (index,) in conn.execute(names).fetchall():
        if index != "events_event_id" and not index.startswith("sqlite_"):
            conn.execute(f"DROP INDEX {index}")
    conn.execute("PRAGMA synchronous = FULL")
    insert = (
        f"INSERT INTO events ({', '.join(_FIELDS)}) VALUES ({', '.join('?' * len(_FIELDS))}) "
        "ON CONFLICT(event_id) DO NOTHING"
    )
    started = time.process_time()
    for i in range(0, n, 500):
        conn.execute("BEGIN")
        conn.executemany(insert, rows[i : i + 500])
        conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    spent = time.process_time() - started
    conn.close()
    return spent / n


def straightforward_collect(queue: str, n: int, db: Path) -> float:
    """Events/s of one thread doing consume -> decode -> 500-event insert -> ack, in turn.

    The same decoding and store as the collector, without its threads and checkpointer:
    what the tap's design is measured against.
    """
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.basic_qos(prefetch_count=1000)
    store = EventStore(db)
    batch: list[PaymentEvent] = []
    started = 0.0
    for seen, (method, props, body) in enumerate(ch.consume(queue, auto_ack=False), start=1):
        if seen == 1:
            started = time.perf_counter()
        delivery = Delivery(method.delivery_tag, method.exchange, method.routing_key,
                            method.redelivered, props, body)  # fmt: skip
        batch.extend(decode_many(to_raw_message(delivery), _now_iso()))
        if seen % 500 == 0 or seen == n:
            store.insert_batch(batch)
            batch = []
            ch.basic_ack(method.delivery_tag, multiple=True)
        if seen == n:
            break
    elapsed = time.perf_counter() - started
    ch.cancel()
    conn.close()
    store.close()
    return (n - 1) / elapsed  # timed from the first arrival, as raw_consume is


def _fresh_copy(template: Path, db: Path) -> None:
    shutil.copyfile(template, db)
    db.chmod(0o600)  # as opsdesk creates it, so opening it does not warn


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TreeSampler(threading.Thread):
    """A process and its children every 50 ms: the highest RSS of them together, and their
    CPU seconds so far with the wall time of each reading (for the steady-state figure)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.cpu: list[tuple[float, float]] = []  # (time.time(), CPU seconds of the tree)
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.05):
            pids = _tree(self.pid)
            self.peak_kib = max(self.peak_kib, sum(map(_rss_kib, pids)))
            self.cpu.append((time.time(), sum(map(_cpu_s, pids))))

    def stop(self) -> None:
        self._done.set()
        self.join()

    def cpu_between(self, start: float, end: float) -> float:
        """The tree's CPU seconds between two wall times, interpolated between readings."""
        return self._cpu_at(end) - self._cpu_at(start)

    def _cpu_at(self, when: float) -> float:
        before = [r for r in self.cpu if r[0] <= when] or self.cpu[:1]
        after = [r for r in self.cpu if r[0] >= when] or self.cpu[-1:]
        (t0, c0), (t1, c1) = before[-1], after[0]
        return c0 if t1 == t0 else c0 + (c1 - c0) * (when - t0) / (t1 - t0)


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) a live process has used, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0  # ended meanwhile
    after = text[text.rindex(")") + 2 :].split()
    return (int(after[11]) + int(after[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            for child in task.read_text().split():
                pids.extend(_tree(int(child)))
        except OSError:
            pass  # the process ended meanwhile
    return pids


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def broker_cpu_s() -> float:
    """CPU seconds the RabbitMQ node (beam.smp) has used so far, from /proc."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        if text[text.index("(") + 1 : text.rindex(")")] == "beam.smp":
            after = text[text.rindex(")") + 2 :].split()
            ticks += int(after[11]) + int(after[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    """CPU seconds of this process's waited-for children (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def collector_rate(db: Path, since: str) -> tuple[int, float, float, float]:
    """Stored events, their rate, and the wall times (epoch seconds) of the first and the
    last, from the received_at stamps the collector wrote."""
    import sqlite3

    conn = sqlite3.connect(db)
    count, first, last = conn.execute(
        "SELECT count(*), min(received_at), max(received_at) FROM events WHERE received_at > ?",
        (since,),
    ).fetchone()
    conn.close()
    start, end = (datetime.fromisoformat(t).timestamp() for t in (first, last))
    return count, count / (end - start) if end > start else float("nan"), start, end


@dataclass(frozen=True)
class Round:
    raw: float  # msg/s of the bare consumer
    rate: float  # events/s the collector persisted
    peak_mb: float
    loop: float  # events/s of the straightforward loop
    ceiling: float  # events/s of the history alone
    cpu_ratio: float  # collector's CPU per stored event (whole run) over the raw consumer's
    steady_ratio: float  # the same, first stored event to the last (start-up left out)
    store_ratio: float  # the history alone's CPU per event over the raw consumer's
    floor_ratio: float  # the same rows with only the unique event_id index, over the raw's


def one_round(args: argparse.Namespace, template: Path) -> Round:
    n = args.events
    tag = uuid.uuid4().hex[:8]
    exchange, raw_q, tap_q = f"bench.{tag}.x", f"bench.{tag}.raw", f"bench.{tag}.tap"
    loop_q = f"bench.{tag}.loop"
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    workdir = Path(tempfile.mkdtemp(prefix="opsdesk-bench-"))
    db = workdir / "history.sqlite"
    try:
        ch.exchange_declare(exchange, "topic")
        ch.queue_declare(raw_q, durable=True, arguments={"x-max-length": n + 1000})
        tap_args = TapSettings(queue=tap_q, max_length=n + 1000).queue_arguments()
        ch.queue_declare(tap_q, durable=True, arguments=tap_args)
        ch.queue_declare(loop_q, durable=True, arguments=tap_args)
        for q in (raw_q, tap_q, loop_q):
            ch.queue_bind(q, exchange, "#")
        publish(ch, exchange, n)
        for q in (raw_q, tap_q, loop_q):
            wait_for_depth(ch, q, n)
        _fresh_copy(template, db)
        ceiling, store_cpu = store_ceiling(db, n)
        _fresh_copy(template, db)
        floor_us = store_floor(db, n) * 1e6
        _fresh_copy(template, db)
        loop = straightforward_collect(loop_q, n, db)
        _fresh_copy(template, db)  # afresh for the collector

        broker = broker_cpu_s()
        raw, raw_steady = raw_consume(raw_q, n)
        raw_broker = broker_cpu_s() - broker
        cpu, broker = children_cpu_s(), broker_cpu_s()
        since = datetime.utcnow().isoformat()
        cmd = [
            sys.executable, "-m", "opsdesk.cli", "collect", "--url", URL, "--db", str(db),
            "--exchange", f"{exchange}:#", "--queue", tap_q, "--max-events", str(n),
            "--idle-exit", "10", "--json",
        ]  # fmt: skip
        env = {**os.environ, "OPSDESK_CONFIG": args.config or str(workdir / "none.toml")}
        collector = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        tree = TreeSampler(collector.pid)
        tree.start()
        stdout, stderr = collector.communicate()
        collect_cpu, collect_broker = children_cpu_s() - cpu, broker_cpu_s() - broker
        tree.stop()
        if collector.returncode != 0:
            raise SystemExit(f"collect failed ({collector.returncode}): {stderr[-2000:]}")
        summary = json.loads(stdout)
        stored, rate, first, last = collector_rate(db, since)
        if stored != n or summary["duplicates"]:
            raise SystemExit(f"collect stored {stored:,} of {n:,} ({summary})")
        steady = tree.cpu_between(first, last)
        peak_mb = tree.peak_kib / 1024
        raw_us, store_us = raw_steady / n * 1e6, store_cpu * 1e6
        print(
            f"  raw {raw:7,.0f} msg/s   collect {rate:7,.0f} events/s = {rate / raw:4.0%}"
            f" ({rate / ceiling:4.0%} of the store's {ceiling:6,.0f})   peak {peak_mb:4.0f} MB"
            f"   straightforward loop {loop:7,.0f} events/s\n"
            f"    CPU per message: raw consumer {raw_us:4.0f} us (+ broker {_us(raw_broker, n)});"
            f" collector with its child {_us(collect_cpu, n)} (+ broker {_us(collect_broker, n)})"
            f" -> at most {2 / ((collect_cpu + collect_broker) / n):,.0f} events/s on 2 cores\n"
            f"    collector steady (first stored event to last, start-up left out):"
            f" {_us(steady, stored)}; start-up and shutdown {collect_cpu - steady:.2f} s;"
            f" the history alone {store_us:4.0f} us; its floor (only the unique event_id index)"
            f" {floor_us:4.0f} us\n"
            f"    CPU over the raw consumer's: collector {collect_cpu / n * 1e6 / raw_us:.2f}x,"
            f" steady {steady / stored * 1e6 / raw_us:.2f}x, the history alone"
            f" {store_us / raw_us:.2f}x, its floor {floor_us / raw_us:.2f}x"
        )
        return Round(
            raw, rate, peak_mb, loop, ceiling, collect_cpu / n * 1e6 / raw_us,
            steady / stored * 1e6 / raw_us, store_us / raw_us, floor_us / raw_us,
        )  # fmt: skip
    finally:
        for q in (raw_q, tap_q, loop_q):
            ch.queue_delete(q)
        ch.exchange_delete(exchange)
        conn.close()
        for f in workdir.iterdir():
            f.unlink()
        workdir.rmdir()


def _us(seconds: float, n: int) -> str:
    return f"{seconds / n * 1e6:4.0f} us"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--history-rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--config", help="profiles.toml for the collector (tap settings)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    template = Path(tempfile.gettempdir()) / f"opsdesk-bench-history-{args.history_rows}.sqlite"
    if not template.exists():  # built once, reused by later runs
        prefill_history(template, args.history_rows)
    EventStore(template).close()  # at the current schema, so the collector does not migrate
    print(f"history of {args.history_rows:,} events ready in {time.perf_counter() - t0:.1f}s")
    print(f"{args.rounds} rounds of {args.events:,} events of ~{len(event_body(0))} bytes:")
    rounds = [one_round(args, template) for _ in range(args.rounds)]
    raw = statistics.median(r.raw for r in rounds)
    rate = statistics.median(r.rate for r in rounds)
    print(f"raw pika consumer (median): {raw:10,.0f} msg/s")
    print(
        f"opsdesk collect (median)  : {rate:10,.0f} events/s persisted = {rate / raw:.0%} of raw "
        f"(median of the rounds' ratios {statistics.median(r.rate / r.raw for r in rounds):.0%}; "
        "target >= 50%)"
    )
    loop = statistics.median(r.loop for r in rounds)
    print(
        f"straightforward loop (median): {loop:7,.0f} events/s = {loop / raw:.0%} of raw; "
        f"the collector is {rate / loop:.1f}x it"
    )
    ceiling = statistics.median(r.ceiling for r in rounds)
    print(
        f"store ceiling (median)    : {ceiling:10,.0f} events/s into the same history, no broker "
        f"= {ceiling / raw:.0%} of raw; the collector reaches {rate / ceiling:.0%} of it"
    )
    print(
        "collector CPU per stored event over the raw consumer's per message (medians; target"
        f" <= 2.5x): {statistics.median(r.cpu_ratio for r in rounds):.2f}x whole run,"
        f" {statistics.median(r.steady_ratio for r in rounds):.2f}x steady; the history alone"
        f" {statistics.median(r.store_ratio for r in rounds):.2f}x, its floor"
        f" {statistics.median(r.floor_ratio for r in rounds):.2f}x"
    )
    peak = max(r.peak_mb for r in rounds)
    print(f"collector peak RSS (max)  : {peak:10.0f} MB, children included (target < 150 MB)")


if __name__ == "__main__":
    main()
