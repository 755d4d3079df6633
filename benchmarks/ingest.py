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
from datetime import UTC, datetime
from pathlib import Path

import pika

from opsdesk.broker.deliveries import Delivery, to_raw_message
from opsdesk.config import TapSettings
from opsdesk.events.decode import decode, decode_many
from opsdesk.events.model import PaymentEvent, RawMessage
from opsdesk.store.checkpointer import WalCheckpointer
from opsdesk.store.event_store import EventStore

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


def raw_consume(queue: str, n: int) -> float:
    """Messages/s of a consumer that does nothing but ack (prefetch 1000, multiple per 500)."""
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.basic_qos(prefetch_count=1000)
    started = 0.0
    for seen, (method, _props, _body) in enumerate(ch.consume(queue, auto_ack=False), start=1):
        if seen == 1:
            started = time.perf_counter()
        if seen % 500 == 0 or seen == n:
            ch.basic_ack(method.delivery_tag, multiple=True)
        if seen == n:
            break
    elapsed = time.perf_counter() - started
    ch.cancel()
    conn.close()
    return (n - 1) / elapsed


def store_ceiling(db: Path, n: int) -> float:
    """Events/s the history alone takes: n events decoded beforehand, 500 per transaction.

    No broker, no decoding, the tap's own store path (insert_batch beside a checkpointer
    thread): no collector can persist faster than this into the same file.
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
        started = time.perf_counter()
        for i in range(0, n, 500):
            store.insert_batch(events[i : i + 500])
        return n / (time.perf_counter() - started)
    finally:
        checkpointer.stop()
        store.close()


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


class PeakRss(threading.Thread):
    """The highest RSS of a process and its children together, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.05):
            self.peak_kib = max(self.peak_kib, sum(map(_rss_kib, _tree(self.pid))))

    def stop(self) -> None:
        self._done.set()
        self.join()


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


def collector_rate(db: Path, since: str) -> tuple[int, float]:
    """Stored events and their rate, from the received_at stamps the collector wrote."""
    import sqlite3

    conn = sqlite3.connect(db)
    count, first, last = conn.execute(
        "SELECT count(*), min(received_at), max(received_at) FROM events WHERE received_at > ?",
        (since,),
    ).fetchone()
    conn.close()
    span = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
    return count, count / span if span > 0 else float("nan")


Round = tuple[float, float, float, float, float, float]


def one_round(args: argparse.Namespace, template: Path) -> Round:
    """(raw msg/s, collector events/s, peak MB, straightforward loop events/s, store ceiling,
    the collector's CPU per stored event over the raw consumer's per message)."""
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
        ceiling = store_ceiling(db, n)
        _fresh_copy(template, db)
        loop = straightforward_collect(loop_q, n, db)
        _fresh_copy(template, db)  # afresh for the collector

        cpu, broker = time.process_time(), broker_cpu_s()
        raw = raw_consume(raw_q, n)
        raw_cpu = (time.process_time() - cpu, broker_cpu_s() - broker)
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
        peak = PeakRss(collector.pid)
        peak.start()
        stdout, stderr = collector.communicate()
        collect_cpu = (children_cpu_s() - cpu, broker_cpu_s() - broker)
        peak.stop()
        if collector.returncode != 0:
            raise SystemExit(f"collect failed ({collector.returncode}): {stderr[-2000:]}")
        summary = json.loads(stdout)
        stored, rate = collector_rate(db, since)
        if stored != n or summary["duplicates"]:
            raise SystemExit(f"collect stored {stored:,} of {n:,} ({summary})")
        peak_mb = peak.peak_kib / 1024
        print(
            f"  raw {raw:7,.0f} msg/s   collect {rate:7,.0f} events/s = {rate / raw:4.0%}"
            f" ({rate / ceiling:4.0%} of the store's {ceiling:6,.0f})   peak {peak_mb:4.0f} MB"
            f"   straightforward loop {loop:7,.0f} events/s\n"
            f"    CPU per message: raw consumer {_us(raw_cpu[0], n)} + broker {_us(raw_cpu[1], n)}"
            f"; collector with its child {_us(collect_cpu[0], n)} + broker {_us(collect_cpu[1], n)}"
            f" -> at most {2 / (sum(collect_cpu) / n):,.0f} events/s on 2 cores"
            f" (CPU ratio {collect_cpu[0] / raw_cpu[0]:.2f}x)"
        )
        return raw, rate, peak_mb, loop, ceiling, collect_cpu[0] / raw_cpu[0]
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
    raw = statistics.median(r[0] for r in rounds)
    rate = statistics.median(r[1] for r in rounds)
    print(f"raw pika consumer (median): {raw:10,.0f} msg/s")
    print(
        f"opsdesk collect (median)  : {rate:10,.0f} events/s persisted = {rate / raw:.0%} of raw "
        f"(median of the rounds' ratios {statistics.median(r[1] / r[0] for r in rounds):.0%}; "
        "target >= 50%)"
    )
    loop = statistics.median(r[3] for r in rounds)
    print(
        f"straightforward loop (median): {loop:7,.0f} events/s = {loop / raw:.0%} of raw; "
        f"the collector is {rate / loop:.1f}x it"
    )
    ceiling = statistics.median(r[4] for r in rounds)
    print(
        f"store ceiling (median)    : {ceiling:10,.0f} events/s into the same history, no broker "
        f"= {ceiling / raw:.0%} of raw; the collector reaches {rate / ceiling:.0%} of it"
    )
    print(
        f"collector CPU per stored event over the raw consumer's per message (median): "
        f"{statistics.median(r[5] for r in rounds):.2f}x (target <= 2.5x)"
    )
    peak = max(r[2] for r in rounds)
    print(f"collector peak RSS (max)  : {peak:10.0f} MB, children included (target < 150 MB)")


if __name__ == "__main__":
    main()
