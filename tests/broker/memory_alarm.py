"""A real memory alarm on the shared broker, for as short a time as a test can manage.

While it is raised the broker blocks every publishing connection, other tests' included:
raise it only inside `memory_alarm()`, do the least inside, and mark the test
`@pytest.mark.broker_alarm` so it can be deselected.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

RESTORED_WATERMARK = "0.4"  # RabbitMQ's default, the test broker's setting
RABBITMQCTL_TIMEOUT = 30.0


def rabbitmqctl(*argv: str) -> None:
    subprocess.run(
        ["rabbitmqctl", *argv], check=True, capture_output=True, timeout=RABBITMQCTL_TIMEOUT
    )


@contextmanager
def memory_alarm() -> Iterator[float]:
    """A watermark of 1 byte inside, the default again after, whatever happened inside.

    Yields when the watermark was set (time.monotonic()), for the test to measure by.
    """
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not on PATH: cannot raise a memory alarm")
    try:
        rabbitmqctl("set_vm_memory_high_watermark", "absolute", "1")
        yield time.monotonic()
    finally:
        rabbitmqctl("set_vm_memory_high_watermark", RESTORED_WATERMARK)
