"""Cost of PAN masking per body, on the ingest hot path, beside decoding the same body.

    .venv/bin/python benchmarks/masking.py [--bodies 2000] [--rounds 7]

Bodies come from the payment simulator (seeded), so they look like production traffic:
about 1 KB of JSON with UUIDs, hex trace ids, tokens and timestamps. Four sets:
- clean: simulator events without a card number (the common case);
- id-heavy: the same with ten extra UUIDs, ULID-like tokens and hex ids in the metadata, so
  the pre-check finds digit regions that the full check must then clear;
- leaky: every body carries a card number in its free text;
- decode: decode() of a clean body, the whole per-message decoder cost, as the baseline the
  masking figure is a share of.
Prints the median over rounds of microseconds per body for each.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import uuid
from collections.abc import Callable

from opsdesk.events.decode import decode
from opsdesk.events.masking import mask_pans
from opsdesk.events.model import RawMessage
from opsdesk.events.simulated_payments import PaymentTraffic

RECEIVED_AT = "2026-01-01T00:00:00.000Z"


def simulator_bodies(count: int, pan_leak_rate: float) -> list[bytes]:
    traffic = PaymentTraffic(random.Random(7), pan_leak_rate=pan_leak_rate)
    return [traffic.next_event().body for _ in range(count)]


def with_ids(body: bytes, rng: random.Random) -> bytes:
    data = json.loads(body)
    data["metadata"]["related"] = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(6)]
    data["metadata"]["span_ids"] = [f"{rng.getrandbits(64):016x}" for _ in range(4)]
    return json.dumps(data, separators=(",", ":")).encode()


def per_body_us(work: Callable[[], None], count: int, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(11)
    clean = [b.decode() for b in simulator_bodies(args.bodies, 0.0)]
    id_heavy = [with_ids(b.encode(), rng).decode() for b in clean]
    leaky = [b.decode() for b in simulator_bodies(args.bodies, 1.0)]
    raws = [RawMessage(body=b.encode(), exchange="x", routing_key="rk") for b in clean]

    def run(texts: list[str]) -> Callable[[], None]:
        def work() -> None:
            for text in texts:
                mask_pans(text)

        return work

    def decode_all() -> None:
        for raw in raws:
            decode(raw, RECEIVED_AT)

    n, r = args.bodies, args.rounds
    print(f"mask_pans clean     {per_body_us(run(clean), n, r):7.2f} us/body")
    print(f"mask_pans id-heavy  {per_body_us(run(id_heavy), n, r):7.2f} us/body")
    print(f"mask_pans leaky     {per_body_us(run(leaky), n, r):7.2f} us/body")
    print(f"decode clean        {per_body_us(decode_all, n, r):7.2f} us/body")


if __name__ == "__main__":
    main()
