"""How deep a browse can reach: time and broker memory to show the page that ends at #N.

    .venv/bin/python benchmarks/browse_depth.py [--depths 10000,50000,100000,200000]
        [--type classic|classic-v2|quorum|quorum-limit] [--page 50]

One fresh durable queue, filled in steps with ~1 KB persistent messages (pipelined confirms,
benchmarks/move.py). At each depth D the desk's Operations.browse shows the last page
(offset D - page), so the browse holds all D messages unacknowledged before it hands them back:
what a browse to #D costs. Time: the browse's elapsed_s (no time limit in the way). Memory: the
broker's at its peak during the browse above what it was just before (MemoryWatch: the Erlang
VM's total and the process's RSS; run as a user that may call rabbitmqctl). `quorum-limit` is a
quorum queue with a delivery limit (1,000) and a dead-letter exchange: read one basic.get at
a time (operations/counted_take.py). The queue is deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from base64 import b64encode
from pathlib import Path
from typing import Any

import pika
from move import BODY, URL, pipelined_publish

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.operations.service import Operations

API = "http://127.0.0.1:15672/api"
AUTH = "Basic " + b64encode(b"guest:guest").decode()
ARGUMENTS: dict[str, dict[str, object]] = {
    "classic": {},
    "classic-v2": {"x-queue-version": 2},
    "quorum": {"x-queue-type": "quorum"},
    "quorum-limit": {
        "x-queue-type": "quorum",
        "x-delivery-limit": 1000,
        "x-dead-letter-exchange": "amq.fanout",
    },
}


def api(path: str) -> Any:
    request = urllib.request.Request(API + path, headers={"Authorization": AUTH})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


class MemoryWatch:
    """Peak broker memory while a block runs, above its value just before.

    Two figures: the beam.smp process's RSS (from /proc, every 0.1 s) and the Erlang VM's
    erlang:memory(total) (rabbitmqctl eval, ~0.5 s a call). The management API's mem_used is
    refreshed every 5 s, too coarse for a browse of a few seconds.
    """

    def __init__(self) -> None:
        (node,) = api("/nodes")
        self._pid = int(node["os_pid"])
        self._node = str(node["name"])
        self._stop = threading.Event()
        self.rss0 = self.rss_peak = self._rss()
        self.vm0 = self.vm_peak = self._vm()

    def _rss(self) -> int:
        with open(f"/proc/{self._pid}/status") as status:
            line = next(x for x in status if x.startswith("VmRSS:"))
        return int(line.split()[1]) * 1024

    def _vm(self) -> int:
        command = ["rabbitmqctl", "-q", "-n", self._node, "eval", "erlang:memory(total)."]
        out = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
        return int(out.strip() or 0)

    def _watch_rss(self) -> None:
        while not self._stop.wait(0.1):
            self.rss_peak = max(self.rss_peak, self._rss())

    def _watch_vm(self) -> None:
        while not self._stop.is_set():
            self.vm_peak = max(self.vm_peak, self._vm())

    def __enter__(self) -> MemoryWatch:
        self._threads = [
            threading.Thread(target=self._watch_rss, daemon=True),
            threading.Thread(target=self._watch_vm, daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def text(self) -> str:
        mib = 1024 * 1024
        return (
            f"Erlang VM +{(self.vm_peak - self.vm0) / mib:5.0f} MiB "
            f"(of {self.vm0 / mib:,.0f}), RSS +{(self.rss_peak - self.rss0) / mib:5.0f} MiB "
            f"(of {self.rss0 / mib:,.0f})"
        )


def fill_to(channel: pika.adapters.blocking_connection.BlockingChannel, queue: str, n: int) -> None:
    have = channel.queue_declare(queue, passive=True).method.message_count
    if n > have:
        pipelined_publish(queue, n - have)
    deadline = time.monotonic() + 60
    while channel.queue_declare(queue, passive=True).method.message_count < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"{queue} did not reach {n:,} messages")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depths", default="10000,50000,100000,200000")
    parser.add_argument("--type", choices=sorted(ARGUMENTS), default="classic")
    parser.add_argument("--page", type=int, default=50)
    args = parser.parse_args()
    depths = sorted(int(d) for d in args.depths.split(","))
    queue = f"bench.browse-depth.{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters(URL))
    channel = connection.channel()
    channel.queue_declare(queue, durable=True, arguments=ARGUMENTS[args.type])
    profile = Profile(
        "bench", BrokerEndpoint(URL), (Binding("amq.topic"),), TapSettings(queue="unused")
    )
    print(f"{args.type} queue {queue}, {len(BODY):,} B messages, page {args.page}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ops = Operations(profile, Path(tmp) / "history.sqlite")
            for depth in depths:
                fill_to(channel, queue, depth)
                with MemoryWatch() as memory:
                    result = ops.browse(
                        queue,
                        offset=depth - args.page,
                        limit=args.page,
                        time_limit=600.0,
                        accept_delivery_limit_risk=True,
                    )
                rate = result.reached / result.elapsed_s
                print(
                    f"#{depth - 1:>7,}: {result.elapsed_s:6.1f} s ({rate:6,.0f} msg/s), "
                    f"{memory.text()}, complete={result.complete}",
                    flush=True,
                )
                if not result.complete:
                    print("   ", result.notes[-1])
    finally:
        channel.queue_delete(queue)
        connection.close()


if __name__ == "__main__":
    main()
