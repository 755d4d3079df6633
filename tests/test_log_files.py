"""The commands' stderr: one sentence per failure; pika's own reports go to the log file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_unreachable_broker_is_one_sentence_on_stderr_and_pika_in_the_log(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "opsdesk.cli",
            "move",
            "--url",
            "amqp://guest:guest@127.0.0.1:1/%2F",
            "--db",
            str(tmp_path / "h.sqlite"),
            "--from",
            "a",
            "--to-queue",
            "b",
            "--yes",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "opsdesk move: Nothing answers at 127.0.0.1:1: the connection was refused "
        "(is RabbitMQ running, and is the port right?)."
    ]
    (log,) = (tmp_path / "state").rglob("*.log")
    assert "pika.adapters" in log.read_text(encoding="utf-8"), "pika's report is kept in the file"
