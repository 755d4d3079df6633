"""Fuzzing the decoders and the masker (atheris) for a bounded time: no crash, no card number.

The target is tests/events/fuzz_masking.py, run in a subprocess so atheris's instrumentation
and libFuzzer's signal handlers stay out of pytest. 20 s in the suite (OPSDESK_FUZZ_SECONDS for
longer). A failure leaves the input that broke it in the test's tmp_path (crash-*), and shows
it: `python tests/events/fuzz_masking.py <that file>` replays it.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opsdesk.simulator.traffic import PaymentTraffic, poison_message
from tests.events.builders import PAYLOADS, native_body

FUZZ_SECONDS = int(os.environ.get("OPSDESK_FUZZ_SECONDS", "20"))
TARGET = Path(__file__).with_name("fuzz_masking.py")


def seed_corpus(folder: Path) -> None:
    """The provider payloads, simulator traffic and poison, and odd bodies, one per file."""
    folder.mkdir()
    for path in PAYLOADS.glob("*.json"):
        shutil.copy(path, folder)
    rng = random.Random(5)
    traffic = PaymentTraffic(rng, pan_leak_rate=0.0)
    seeds = [traffic.next_event().body for _ in range(5)]
    seeds += [poison_message(rng).body for _ in range(3)]
    seeds += [
        json.dumps(native_body(note="x\n\u00e9\t")).encode(),
        json.dumps(
            {"specversion": "1.0", "id": "e", "source": "/s", "type": "t", "data": {}}
        ).encode(),
        b"caf\xe9 \xff\xfe not utf-8",
        b"/pay?card=&amount=1250&note=paid+with+",
        b"",
    ]
    for index, seed in enumerate(seeds):
        (folder / f"seed-{index}").write_bytes(seed)


@pytest.mark.timeout(FUZZ_SECONDS + 150)
def test_fuzzing_finds_no_crash_and_no_unmasked_card_number(tmp_path):
    corpus = tmp_path / "corpus"
    seed_corpus(corpus)
    command = [
        sys.executable,
        str(TARGET),
        f"-max_total_time={FUZZ_SECONDS}",
        "-seed=1",
        "-timeout=30",  # one input taking longer is a hang: a failure
        "-rss_limit_mb=2048",
        f"-artifact_prefix={tmp_path}/",
        str(corpus),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, timeout=FUZZ_SECONDS + 120
    )
    crashes = sorted(tmp_path.glob("crash-*")) + sorted(tmp_path.glob("timeout-*"))
    shown = [f"{path.name}: {path.read_bytes()[:500]!r}" for path in crashes]
    assert result.returncode == 0 and not crashes, "\n".join([*shown, result.stderr[-3000:]])
    runs = re.search(r"Done (\d+) runs", result.stderr)
    assert runs is not None, result.stderr[-2000:]
    assert int(runs.group(1)) > 200  # it really ran, not just started
