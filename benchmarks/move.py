"""Move rate with confirms beside a raw pipelined publish-with-confirms baseline, same run.

    .venv/bin/python benchmarks/move.py [--messages 10000] [--rounds 5]

Baseline: pika's asynchronous SelectConnection publishing ~1 KB persistent messages into a
durable queue with publisher confirms, up to 1,000 unconfirmed at a time (no round trip per
message). Move: opsdesk's Operations moving the same number of such messages from one
durable queue to another (consume, publish with confirms + mandatory, ack after confirm).

The two alternate for --rounds rounds, each on fresh queues, and the medians are compared:
on a shared 2-core machine a single round of either swings by 20 %. Each line also shows the
CPU this process and the broker (beam.smp) used per second of the run: the broker does about
twice the work for a moved message (deliver, ack, publish) as for a published one. A third
figure, a bare pika mover making the same copies without any of opsdesk's bookkeeping, shows
the most a pika-based mover gets from this broker.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pika
from pika.adapters.select_connection import SelectConnection

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.operations.message_copy import copy_properties, utc_now_text
from opsdesk.operations.move import MOVED_AT, MOVED_BY, MOVED_FROM
from opsdesk.operations.plan import Destination
from opsdesk.operations.service import Operations

URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
WINDOW = 1000
BODY = b'{"payment_id": "pay_1", "note": "' + b"x" * 980 + b'"}'


def pipelined_publish(queue: str, n: int) -> float:
    """Messages/s published with confirms, WINDOW in flight (the baseline)."""
    state = {"sent": 0, "confirmed": 0, "started": 0.0, "elapsed": 0.0}

    def publish_more(channel: pika.channel.Channel) -> None:
        while state["sent"] < n and state["sent"] - state["confirmed"] < WINDOW:
            state["sent"] += 1
            channel.basic_publish(
                "",
                queue,
                BODY,
                pika.BasicProperties(delivery_mode=2, message_id=str(state["sent"])),
            )

    def on_confirm(frame: pika.frame.Method, channel: pika.channel.Channel) -> None:
        method = frame.method
        acked = method.delivery_tag if method.multiple else state["confirmed"] + 1
        state["confirmed"] = max(state["confirmed"], acked)
        if state["confirmed"] >= n:
            state["elapsed"] = time.perf_counter() - state["started"]
            channel.connection.close()
        else:
            publish_more(channel)

    def on_channel(channel: pika.channel.Channel) -> None:
        def on_selected(_frame: pika.frame.Method) -> None:
            state["started"] = time.perf_counter()
            publish_more(channel)

        channel.confirm_delivery(lambda frame: on_confirm(frame, channel), callback=on_selected)

    connection = SelectConnection(
        pika.URLParameters(URL),
        on_open_callback=lambda conn: conn.channel(on_open_callback=on_channel),
        on_close_callback=lambda conn, reason: conn.ioloop.stop(),
    )
    connection.ioloop.start()
    return n / state["elapsed"]


def bare_move(source: str, target: str, n: int) -> float:
    """Messages/s of a bare pika mover: the same copy and headers, none of the bookkeeping.

    Consume (prefetch WINDOW), publish each copy with opsdesk's moved-from/by/at headers
    (confirms, mandatory), ack the source multiple on each confirm. No selection, outcomes,
    pacing, cancel or limits: the most a pika-based mover gets from this broker.
    """
    state: dict[str, Any] = {"published": 0, "done": 0, "tags": {}, "started": 0.0}

    def on_open(connection: SelectConnection) -> None:
        connection.channel(on_open_callback=lambda consume: on_consume(connection, consume))

    def on_consume(connection: SelectConnection, consume: pika.channel.Channel) -> None:
        connection.channel(on_open_callback=lambda pub: on_publish(connection, consume, pub))

    def on_publish(
        connection: SelectConnection, consume: pika.channel.Channel, pub: pika.channel.Channel
    ) -> None:
        def on_confirm(frame: pika.frame.Method) -> None:
            tag = frame.method.delivery_tag
            settled = [s for s in state["tags"] if s <= tag] if frame.method.multiple else [tag]
            top = max(state["tags"].pop(s) for s in settled)
            consume.basic_ack(top, multiple=True)
            state["done"] += len(settled)
            if state["done"] >= n:
                state["elapsed"] = time.perf_counter() - state["started"]
                connection.close()

        def on_message(
            _ch: pika.channel.Channel,
            method: pika.spec.Basic.Deliver,
            props: pika.BasicProperties,
            body: bytes,
        ) -> None:
            state["published"] += 1
            state["tags"][state["published"]] = method.delivery_tag
            moved = {MOVED_FROM: source, MOVED_BY: "bench", MOVED_AT: utc_now_text()}
            pub.basic_publish("", target, body, copy_properties(props, moved), mandatory=True)

        def on_selected(_frame: pika.frame.Method) -> None:
            state["started"] = time.perf_counter()
            consume.basic_qos(
                prefetch_count=WINDOW, callback=lambda _f: consume.basic_consume(source, on_message)
            )

        pub.confirm_delivery(on_confirm, callback=on_selected)

    connection = SelectConnection(
        pika.URLParameters(URL),
        on_open_callback=on_open,
        on_close_callback=lambda conn, reason: conn.ioloop.stop(),
    )
    connection.ioloop.start()
    return n / state["elapsed"]


class CpuMeter:
    """CPU seconds used by this process and by the broker while a block runs."""

    def __init__(self) -> None:
        found = subprocess.run(["pgrep", "-o", "beam.smp"], capture_output=True, text=True)
        self._beam = int(found.stdout.split()[0]) if found.stdout.split() else None
        self.own = self.broker = self.wall = 0.0

    def _beam_seconds(self) -> float:
        if self._beam is None:
            return 0.0
        with open(f"/proc/{self._beam}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> CpuMeter:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self._own0 = usage.ru_utime + usage.ru_stime
        self._broker0 = self._beam_seconds()
        self._wall0 = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.wall = time.perf_counter() - self._wall0
        self.own = usage.ru_utime + usage.ru_stime - self._own0
        self.broker = self._beam_seconds() - self._broker0

    def shares(self) -> str:
        return f"python {self.own / self.wall:4.0%} cpu, broker {self.broker / self.wall:4.0%} cpu"


def one_round(
    ch: pika.adapters.blocking_connection.BlockingChannel, n: int
) -> tuple[float, float, float]:
    tag = uuid.uuid4().hex[:8]
    names = ("base", "src", "dst", "bare-src", "bare-dst")
    baseline_q, source, target, bare_source, bare_target = (f"bench.move.{tag}.{s}" for s in names)
    queues = (baseline_q, source, target, bare_source, bare_target)
    for q in queues:
        ch.queue_declare(q, durable=True)
    try:
        with CpuMeter() as base_cpu:
            baseline = pipelined_publish(baseline_q, n)
        pipelined_publish(source, n)  # the messages to move
        profile = Profile(
            "bench", BrokerEndpoint(URL), (Binding("amq.topic"),), TapSettings(queue="unused")
        )
        with tempfile.TemporaryDirectory() as tmp:
            ops = Operations(profile, Path(tmp) / "history.sqlite")
            plan = ops.plan_move(source, Destination.queue(target))
            with CpuMeter() as move_cpu:
                result = ops.execute(plan)
            moved_rate = result.done / move_cpu.wall
        pipelined_publish(bare_source, n)
        bare = bare_move(bare_source, bare_target, n)
        depth = ch.queue_declare(target, passive=True).method.message_count
        left = ch.queue_declare(source, passive=True).method.message_count
        if (result.done, depth, left) != (n, n, 0):
            raise SystemExit(f"move incomplete: moved {result.done}, target {depth}, source {left}")
        print(
            f"  baseline {baseline:7,.0f} msg/s ({base_cpu.shares()})   "
            f"move {moved_rate:7,.0f} msg/s ({move_cpu.shares()})   {moved_rate / baseline:4.0%}"
            f"   bare pika mover {bare:7,.0f} msg/s"
        )
        return baseline, moved_rate, bare
    finally:
        for q in queues:
            ch.queue_delete(q)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    try:
        print(f"{args.rounds} rounds of {args.messages:,} ~1 KB persistent messages:")
        rounds = [one_round(conn.channel(), args.messages) for _ in range(args.rounds)]
    finally:
        conn.close()
    baseline = statistics.median(r[0] for r in rounds)
    moved = statistics.median(r[1] for r in rounds)
    print(f"baseline pipelined publish with confirms (median): {baseline:8,.0f} msg/s")
    print(
        f"opsdesk move, confirm then ack (median)         : {moved:8,.0f} msg/s = "
        f"{moved / baseline:.0%} of baseline (targets: >= 3,000 msg/s, >= 80%)"
    )
    print(f"median of the per-round ratios: {statistics.median(r[1] / r[0] for r in rounds):.0%}")
    bare = statistics.median(r[2] for r in rounds)
    print(
        f"bare pika mover, same copies (median)          : {bare:8,.0f} msg/s = "
        f"{bare / baseline:.0%} of baseline; opsdesk moves at {moved / bare:.0%} of it"
    )


if __name__ == "__main__":
    main()
