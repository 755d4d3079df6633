"""Payment replay: plan and replay 10,000 failed payments, beside a pipelined publish baseline.

    .venv/bin/python benchmarks/replay.py [--payments 10000] [--rounds 5]

The history holds, per payment, its request (~1 KB persistent JSON, as the baseline's
messages) and its failure, written with the store (20,000 events for 10,000 payments). Each
round takes a fresh copy of it (so no earlier round's replays trip the guards) and:

- baseline: pika's SelectConnection publishing the same number of ~1 KB persistent messages to
  a durable queue with publisher confirms, 1,000 in flight (benchmarks/move.py);
- plan: `Operations.plan_payment_replay` over a filter (every failed payment): which payments,
  their steps, audited replays, the requests' full rows, the guards, the destination's check
  on the broker, and every message built;
- replay: `Operations.execute` of that plan (audit intent, pipelined confirmed mandatory
  publishes to a durable queue through the profile's replay destination, audit outcome).

Medians over the rounds are compared; targets: replay >= 3,000 payments/s, plan < 1 s.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pika
from move import URL, CpuMeter, pipelined_publish  # benchmarks/move.py, this script's folder

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.config.profiles import ReplaySettings
from opsdesk.events.model import PaymentEvent, Status
from opsdesk.operations.service import Operations
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_store import EventStore

PAD = "x" * 800  # the request body comes to ~1 KB, as the baseline's messages


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _payment(n: int, at: datetime) -> tuple[PaymentEvent, PaymentEvent]:
    pid = f"pay_{n:06d}"
    body = json.dumps(
        {
            "type": "payment.requested",
            "payment_id": pid,
            "merchant": f"merchant-{n % 40:02d}",
            "amount_minor": 1000 + n,
            "currency": "EUR",
            "idempotency_key": f"idem-{pid}",
            "note": PAD,
        }
    )
    request = PaymentEvent(
        event_id=f"req-{pid}",
        received_at=_stamp(at),
        occurred_at=_stamp(at),
        exchange="payments.events",
        routing_key="payment.requested",
        type="payment.requested",
        status=Status.PENDING,
        payment_id=pid,
        merchant=f"merchant-{n % 40:02d}",
        amount_minor=1000 + n,
        currency="EUR",
        error_code=None,
        idempotency_key=f"idem-{pid}",
        decode_error=None,
        headers=json.dumps({"x-source": "checkout"}),
        properties=json.dumps(
            {"content_type": "application/json", "message_id": f"req-{pid}", "delivery_mode": 2}
        ),
        body=body,
        body_size=len(body.encode()),
        format="native",
    )
    failed_body = json.dumps({"type": "payment.failed", "payment_id": pid, "reason": "timeout"})
    failed = replace(
        request,
        event_id=f"failed-{pid}",
        received_at=_stamp(at + timedelta(seconds=2)),
        occurred_at=_stamp(at + timedelta(seconds=2)),
        routing_key="payment.failed",
        type="payment.failed",
        status=Status.FAILED,
        error_code="gateway_timeout",
        properties=json.dumps({"message_id": f"failed-{pid}"}),
        body=failed_body,
        body_size=len(failed_body),
    )
    return request, failed


def build_history(path: Path, payments: int) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    step = timedelta(hours=1) / payments
    with EventStore(path) as store:
        batch: list[PaymentEvent] = []
        for n in range(payments):
            batch.extend(_payment(n, start + step * n))
            if len(batch) >= 5000:
                store.insert_batch(batch)
                batch = []
        store.insert_batch(batch)


def fresh_copy(template: Path, target: Path) -> None:
    target.touch(mode=0o600)  # owner-only, as opsdesk creates its history
    source, copy = sqlite3.connect(template), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()


def one_round(
    channel: pika.adapters.blocking_connection.BlockingChannel, template: Path, n: int
) -> tuple[float, float, float]:
    tag = uuid.uuid4().hex[:8]
    baseline_q, replay_q = f"bench.replay.{tag}.base", f"bench.replay.{tag}.processor"
    for queue in (baseline_q, replay_q):
        channel.queue_declare(queue, durable=True)
    try:
        with CpuMeter() as base_cpu:
            baseline = pipelined_publish(baseline_q, n)
        profile = Profile(
            "bench",
            BrokerEndpoint(URL),
            (Binding("payments.events"),),
            TapSettings(queue="unused"),
            operator="bench",
            replay=ReplaySettings(queue=replay_q),
        )
        with tempfile.TemporaryDirectory() as tmp:
            history = Path(tmp) / "history.sqlite"
            fresh_copy(template, history)
            ops = Operations(profile, history)
            started = time.perf_counter()
            plan = ops.plan_payment_replay(
                event_filter=EventFilter(statuses=("failed",)), reason="benchmark"
            )
            plan_s = time.perf_counter() - started
            if plan.blocked_count or len(plan.replay_messages) != n:
                raise SystemExit(f"plan blocked {plan.blocked_count} of {n}: {plan.warnings}")
            with CpuMeter() as replay_cpu:
                result = ops.execute(plan)
            rate = result.done / replay_cpu.wall
        depth = channel.queue_declare(replay_q, passive=True).method.message_count
        if (result.done, depth) != (n, n):
            raise SystemExit(f"replay incomplete: {result.done} confirmed, {depth} in the queue")
        print(
            f"  baseline {baseline:7,.0f} msg/s ({base_cpu.shares()})"
            f"   plan {plan_s * 1000:5.0f} ms"
            f"   replay {rate:7,.0f} payments/s ({replay_cpu.shares()})   {rate / baseline:4.0%}"
        )
        return baseline, plan_s, rate
    finally:
        for queue in (baseline_q, replay_q):
            channel.queue_delete(queue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    n = args.payments
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.sqlite"
        started = time.perf_counter()
        build_history(template, n)
        print(f"history: {n:,} failed payments, {2 * n:,} events, built in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        connection = pika.BlockingConnection(pika.URLParameters(URL))
        try:
            print(f"{args.rounds} rounds, {n:,} payments (~1 KB persistent requests) each:")
            rounds = [one_round(connection.channel(), template, n) for _ in range(args.rounds)]
        finally:
            connection.close()
    baseline = statistics.median(r[0] for r in rounds)
    plan_s = statistics.median(r[1] for r in rounds)
    rate = statistics.median(r[2] for r in rounds)
    print(f"baseline pipelined publish with confirms (median): {baseline:8,.0f} msg/s")
    print(
        f"opsdesk payment replay, confirmed (median)       : {rate:8,.0f} payments/s = "
        f"{rate / baseline:.0%} of baseline (target >= 3,000 payments/s)"
    )
    print(
        f"plan of {n:,} payments (median)                 : {plan_s * 1000:8,.0f} ms (target < 1 s)"
    )


if __name__ == "__main__":
    main()
