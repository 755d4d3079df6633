"""Move rate with confirms beside a raw pipelined publish-with-confirms baseline, same run.

    .venv/bin/python benchmarks/move.py [--messages 10000]

Baseline: pika's asynchronous SelectConnection publishing ~1 KB persistent messages into a
durable queue with publisher confirms, up to 1,000 unconfirmed at a time (no round trip per
message). Move: opsdesk's Operations moving the same number of such messages from one
durable queue to another (consume, publish with confirms + mandatory, ack after confirm).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import pika
from pika.adapters.select_connection import SelectConnection

from opsdesk.broker.connection import BrokerEndpoint
from opsdesk.config import Binding, Profile, TapSettings
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    n = parser.parse_args().messages
    tag = uuid.uuid4().hex[:8]
    baseline_q, source, target = (f"bench.move.{tag}.{s}" for s in ("base", "src", "dst"))
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    try:
        for q in (baseline_q, source, target):
            ch.queue_declare(q, durable=True)
        baseline = pipelined_publish(baseline_q, n)
        pipelined_publish(source, n)  # the messages to move
        profile = Profile(
            "bench", BrokerEndpoint(URL), (Binding("amq.topic"),), TapSettings(queue="unused")
        )
        with tempfile.TemporaryDirectory() as tmp:
            ops = Operations(profile, Path(tmp) / "history.sqlite")
            plan = ops.plan_move(source, Destination.queue(target))
            started = time.perf_counter()
            result = ops.execute(plan)
            moved_rate = result.done / (time.perf_counter() - started)
        depth = ch.queue_declare(target, passive=True).method.message_count
        left = ch.queue_declare(source, passive=True).method.message_count
        print(f"baseline pipelined publish with confirms: {baseline:8,.0f} msg/s")
        print(
            f"opsdesk move (confirm, then ack)       : {moved_rate:8,.0f} msg/s = "
            f"{moved_rate / baseline:.0%} of baseline (targets: >= 3,000 msg/s, >= 80%)"
        )
        print(f"moved {result.done:,} of {n:,}; target holds {depth:,}, source holds {left:,}")
    finally:
        for q in (baseline_q, source, target):
            ch.queue_delete(q)
        conn.close()


if __name__ == "__main__":
    main()
