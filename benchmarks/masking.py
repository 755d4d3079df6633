"""Cost of PAN masking per body, on the ingest hot path, beside decoding the same body.

    .venv/bin/python benchmarks/masking.py [--bodies 2000] [--rounds 7] [--against REV]

Bodies come from the payment simulator (seeded), so they look like production traffic:
about 1 KB of JSON with UUIDs, hex trace ids, tokens and timestamps. Four sets:
- clean: simulator events without a card number (the common case);
- id-heavy: the same with ten extra UUIDs, ULID-like tokens and hex ids in the metadata, so
  the pre-check finds digit regions that the full check must then clear;
- leaky: every body carries a card number in its free text;
- decode: decode() of a clean body, the whole per-message decoder cost, as the baseline the
  masking figure is a share of.
Prints the median over rounds of microseconds per body for each. --against REV also times the
mask_pans of git revision REV (its opsdesk/events/masking.py loaded on its own, so only for
revisions where that file imports nothing of opsdesk, such as 42a9664), in alternate rounds
on the same bodies: on a shared machine only figures from one run compare.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import time
import types
import uuid
from collections.abc import Callable

from opsdesk.events.decode import decode
from opsdesk.events.masking import mask_pans
from opsdesk.events.model import RawMessage
from opsdesk.simulator.traffic import PaymentTraffic

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


def masker_at(revision: str) -> Callable[[str], str]:
    """mask_pans as it was at a git revision."""
    source = subprocess.run(
        ["git", "show", f"{revision}:opsdesk/events/masking.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(f"masking_{revision}")
    exec(compile(source, module.__name__, "exec"), module.__dict__)
    masker: Callable[[str], str] = module.mask_pans
    return masker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--against", metavar="REV", help="also time mask_pans at this revision")
    args = parser.parse_args()
    rng = random.Random(11)
    clean = [b.decode() for b in simulator_bodies(args.bodies, 0.0)]
    id_heavy = [with_ids(b.encode(), rng).decode() for b in clean]
    leaky = [b.decode() for b in simulator_bodies(args.bodies, 1.0)]
    raws = [RawMessage(body=b.encode(), exchange="x", routing_key="rk") for b in clean]

    def run(texts: list[str], masker: Callable[[str], str] = mask_pans) -> Callable[[], None]:
        def work() -> None:
            for text in texts:
                masker(text)

        return work

    def decode_all() -> None:
        for raw in raws:
            decode(raw, RECEIVED_AT)

    n, r = args.bodies, args.rounds
    other = masker_at(args.against) if args.against else None
    for name, texts in (("clean", clean), ("id-heavy", id_heavy), ("leaky", leaky)):
        if other is None:
            print(f"mask_pans {name:9s} {per_body_us(run(texts), n, r):7.2f} us/body")
            continue
        now: list[float] = []
        then: list[float] = []
        for _ in range(r):  # alternate, so both see the same load
            then.append(per_body_us(run(texts, other), n, 1))
            now.append(per_body_us(run(texts), n, 1))
        print(
            f"mask_pans {name:9s} {statistics.median(now):7.2f} us/body"
            f"   at {args.against}: {statistics.median(then):7.2f} us/body"
        )
    print(f"decode clean        {per_body_us(decode_all, n, r):7.2f} us/body")


if __name__ == "__main__":
    main()
