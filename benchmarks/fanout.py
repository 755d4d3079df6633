"""A team's desks on the broker: one stream against a classic tap queue per desk.

    .venv/bin/python benchmarks/fanout.py [--events 20000] [--desks 1,3,10] [--rate-events 50000]

Part 1, what the broker carries for N desks (1, 3, 10): the same --events ~1 KB persistent
events published to an exchange bound to N classic tap queues (TapSettings' arguments) or to
one stream (a stream tap's arguments). Read twice: while the desks are closed (nothing
consumes: the overnight case) and while N consumers follow (each has read and acked
everything). Memory: the node's mem_used over its value before the set-up (management API,
/api/nodes; other work on the broker makes it noisy), and the queues' own memory
(/api/queues). Disk: the stream's folder, and the growth of the node's classic message
stores (each classic queue keeps its own copy of messages under 4 KB in its index).

Part 2, ingest rate in one run, over the same --rate-events events held by a classic queue
each and by one stream: a raw pika consumer that only acks (prefetch 1000, ack multiple
per 500) on a classic queue and on the stream; RabbitMQ's stream protocol through `rstream`
when it imports and the rabbitmq_stream plugin listens on 5552 (raw, and decoding the AMQP
1.0 messages it gets); `opsdesk collect` on a classic tap, on the stream as a desk resuming
(its live reader), and on the stream as a new desk with `--backfill first` (its backfill
reader, two batches in flight). Rates of collect are from its received_at stamps, as in
benchmarks/ingest.py, into an empty history.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pika
from ingest import URL, collector_rate, event_body, publish, raw_consume, wait_for_depth

from opsdesk.broker.pika_compat import async_channel
from opsdesk.config import TapSettings
from opsdesk.store.event_store import EventStore
from opsdesk.store.source_positions import Position

API = "http://127.0.0.1:15672/api"
NODE_DIR = Path("/var/lib/rabbitmq/mnesia/rabbit@localhost")
STATS_WAIT_S = 6.0  # the management API refreshes its figures every 5 s
STREAM = TapSettings(queue="unused", kind="stream", max_age="1h")
MB = 1024 * 1024


def api(path: str) -> Any:
    request = urllib.request.Request(API + path)
    request.add_header("Authorization", "Basic " + base64.b64encode(b"guest:guest").decode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def node_mem_used() -> float:
    """After a full GC on the node, the median of five readings a second apart: garbage and
    other work on this shared broker make it jump by tens of MB."""
    subprocess.run(["rabbitmqctl", "force_gc"], capture_output=True, check=True, timeout=60)
    readings = []
    for _ in range(5):
        readings.append(int(api("/nodes")[0]["mem_used"]))
        time.sleep(1.0)
    return statistics.median(readings)


def du(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # removed meanwhile
                total += (Path(root) / name).stat().st_size
    return total


def stream_dir_bytes(name: str) -> int:
    """The stream's folder: "_" for the vhost "/", then the name with "_" for its dots."""
    folder = re.sub(r"[^A-Za-z0-9]", "_", name)
    return sum(du(d) for d in (NODE_DIR / "stream").glob(f"__{folder}_*"))


def queues_memory(names: list[str]) -> int:
    return sum(int(api(f"/queues/%2F/{q}").get("memory") or 0) for q in names)


def follow(queue: str, n: int, stream: bool) -> tuple[pika.BlockingConnection, float]:
    """A consumer that reads and acks all `n` messages, then stays attached: its connection,
    and its rate in messages/s from its first message."""
    connection = pika.BlockingConnection(pika.URLParameters(URL))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=1000)
    seen, first = [0], [0.0]

    def on_message(ch: Any, method: Any, props: Any, body: bytes) -> None:
        seen[0] += 1
        if seen[0] == 1:
            first[0] = time.perf_counter()
        if seen[0] % 500 == 0 or seen[0] == n:
            ch.basic_ack(method.delivery_tag, multiple=True)

    args = {"x-stream-offset": "first"} if stream else None
    # On the async channel: a stream closes the connection on the reject a cancel sends.
    async_channel(channel).basic_consume(queue, on_message, arguments=args)
    while seen[0] < n:
        connection.process_data_events(time_limit=0.1)
    return connection, (n - 1) / (time.perf_counter() - first[0])


def broker_cost(kind: str, desks: int, n: int) -> tuple[float, float, float, float, float]:
    """(node MB closed, queues MB closed, node MB following, queues MB following, disk MB)."""
    tag = uuid.uuid4().hex[:6]
    exchange = f"bench.fan.{tag}.x"
    queues = [f"bench.fan.{tag}.{kind}.{i}" for i in range(desks if kind == "classic" else 1)]
    connection = pika.BlockingConnection(pika.URLParameters(URL))
    channel = connection.channel()
    followers: list[pika.BlockingConnection] = []
    try:
        time.sleep(STATS_WAIT_S)
        mem_before, stores_before = node_mem_used(), du(NODE_DIR / "msg_stores")
        channel.exchange_declare(exchange, "topic")
        for queue in queues:
            args = STREAM.stream_arguments() if kind == "stream" else classic_args(n)
            channel.queue_declare(queue, durable=True, arguments=args)
            channel.queue_bind(queue, exchange, "#")
        publish(channel, exchange, n)
        if kind == "classic":
            for queue in queues:
                wait_for_depth(channel, queue, n)
        time.sleep(STATS_WAIT_S)
        closed = (node_mem_used() - mem_before) / MB, queues_memory(queues) / MB
        if kind == "stream":
            disk = stream_dir_bytes(queues[0])
        else:
            disk = du(NODE_DIR / "msg_stores") - stores_before
        for i in range(desks):
            followers.append(follow(queues[i % len(queues)], n, kind == "stream")[0])
        time.sleep(STATS_WAIT_S)
        following = (node_mem_used() - mem_before) / MB, queues_memory(queues) / MB
        return (*closed, *following, disk / MB)
    finally:
        for follower in followers:
            follower.close()
        for queue in queues:
            channel.queue_delete(queue)
        channel.exchange_delete(exchange)
        connection.close()


def classic_args(n: int) -> dict[str, Any]:
    return TapSettings(queue="unused", max_length=n + 1000).queue_arguments()


def raw_stream_consume(stream: str, n: int) -> float:
    """Messages/s of a pika consumer of the stream from its first message that only acks."""
    connection, rate = follow(stream, n, stream=True)
    connection.close()
    return rate


def rstream_consume(stream: str, n: int, decode: bool) -> float | None:
    """Messages/s of an rstream consumer from the first message; None when it cannot run."""
    try:
        rstream = importlib.import_module("rstream")
        socket.create_connection(("127.0.0.1", 5552), timeout=1).close()
    except (ImportError, OSError):
        return None

    async def consume() -> float:
        consumer = rstream.Consumer("127.0.0.1", 5552, username="guest", password="guest")
        await consumer.start()
        seen, done, started = [0], asyncio.Event(), [0.0]

        def on_message(message: Any, context: Any) -> None:
            seen[0] += 1
            if seen[0] == 1:
                started[0] = time.perf_counter()
            if seen[0] >= n:
                done.set()

        first = rstream.ConsumerOffsetSpecification(rstream.OffsetType.FIRST, None)
        extra = {"decoder": rstream.amqp_decoder} if decode else {}
        await consumer.subscribe(stream, on_message, offset_specification=first, **extra)
        await done.wait()
        rate = (n - 1) / (time.perf_counter() - started[0])
        await consumer.close()
        return rate

    return asyncio.run(consume())


def collect(
    workdir: Path, name: str, exchange: str, tap: TapSettings, n: int, *extra: str
) -> tuple[float, int]:
    """(events/s, duplicates) of `opsdesk collect` into a history of its own."""
    db = workdir / f"{name}.sqlite"
    config = workdir / f"{name}.toml"
    kind = f'kind = "stream"\nmax_age = "{tap.max_age}"\n' if tap.kind == "stream" else ""
    config.write_text(f'[profiles.bench.tap]\n{kind}queue = "{tap.queue}"\n')
    if tap.kind == "stream" and not extra:
        # A desk that has read up to just before these events: its live reader resumes.
        with EventStore(db) as store:
            store.insert_batch([], Position(f"rabbitmq-stream://{tap.queue}", -1))
    since = datetime.now(UTC).replace(tzinfo=None).isoformat()
    command = [
        sys.executable, "-m", "opsdesk.cli", "collect", "--url", URL, "--db", str(db),
        "--config", str(config), "--profile", "bench", "--exchange", f"{exchange}:#",
        "--max-events", str(n), "--idle-exit", "10", "--json", *extra,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    stored, rate, _first, _last = collector_rate(db, since)
    if stored != n:
        raise SystemExit(f"collect {name} stored {stored:,} of {n:,}: {out.stderr[-2000:]}")
    return rate, int(json.loads(out.stdout)["duplicates"])


def ingest_rates(n: int) -> None:
    tag = uuid.uuid4().hex[:6]
    exchange, raw_q, tap_q = f"bench.rate.{tag}.x", f"bench.rate.{tag}.raw", f"bench.rate.{tag}.tap"
    stream = f"bench.rate.{tag}.stream"
    connection = pika.BlockingConnection(pika.URLParameters(URL))
    channel = connection.channel()
    workdir = Path(tempfile.mkdtemp(prefix="opsdesk-fanout-"))
    try:
        channel.exchange_declare(exchange, "topic")
        for queue, args in ((raw_q, classic_args(n)), (tap_q, classic_args(n))):
            channel.queue_declare(queue, durable=True, arguments=args)
        channel.queue_declare(stream, durable=True, arguments=STREAM.stream_arguments())
        for queue in (raw_q, tap_q, stream):
            channel.queue_bind(queue, exchange, "#")
        publish(channel, exchange, n)
        for queue in (raw_q, tap_q):
            wait_for_depth(channel, queue, n)
        rates, cpu = {}, {}
        for label, consume in (
            ("raw pika consumer, classic queue", lambda: raw_consume(raw_q, n)[0]),
            ("raw pika consumer, stream", lambda: raw_stream_consume(stream, n)),
            ("raw rstream consumer, stream", lambda: rstream_consume(stream, n, False)),
            ("raw rstream consumer, stream, decoding", lambda: rstream_consume(stream, n, True)),
        ):
            started = time.process_time()
            rate = consume()
            rates[label] = float("nan") if rate is None else rate
            if rate is not None:
                cpu[label] = (time.process_time() - started) / n * 1e6
        classic = TapSettings(queue=tap_q)
        live = replace(STREAM, queue=stream)
        rates["opsdesk collect, classic tap"], _ = collect(workdir, "c", exchange, classic, n)
        rates["opsdesk collect, stream (live)"], dup = collect(workdir, "s", exchange, live, n)
        backfill, dup2 = collect(workdir, "b", exchange, live, n, "--backfill", "first")
        rates["opsdesk collect, stream (backfill)"] = backfill
        raw = rates["raw pika consumer, classic queue"]
        print(f"ingest of {n:,} events of ~{len(event_body(0))} bytes, one run:")
        for label, rate in rates.items():
            line = f"  {label:42} {rate:8,.0f} /s = {rate / raw:4.0%} of the raw classic consumer"
            if label in cpu:
                line += f", {cpu[label]:4.0f} us of CPU per message"
            print(line)
        print(f"  duplicates stored twice: stream live {dup}, stream backfill {dup2}")
    finally:
        for queue in (raw_q, tap_q, stream):
            channel.queue_delete(queue)
        channel.exchange_delete(exchange)
        connection.close()
        for f in workdir.iterdir():
            f.unlink()
        workdir.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--desks", default="1,3,10")
    parser.add_argument("--rate-events", type=int, default=50_000)
    parser.add_argument("--skip-cost", action="store_true")
    args = parser.parse_args()
    if not args.skip_cost:
        print(f"broker cost of {args.events:,} events of ~{len(event_body(0))} bytes (MB):")
        print("  kind     desks  node mem closed  queues mem closed  node mem following"
              "  queues mem following  disk")  # fmt: skip
        for desks in (int(d) for d in args.desks.split(",")):
            for kind in ("classic", "stream"):
                cost = broker_cost(kind, desks, args.events)
                print(f"  {kind:8} {desks:5}  {cost[0]:15.1f}  {cost[1]:17.1f}  {cost[2]:18.1f}"
                      f"  {cost[3]:20.1f}  {cost[4]:5.1f}")  # fmt: skip
    ingest_rates(args.rate_events)


if __name__ == "__main__":
    main()
