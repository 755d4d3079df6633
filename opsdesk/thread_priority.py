"""Background threads that give way to the window's UI thread when cores are scarce.

On two cores shared with the broker, a tap draining a backlog keeps both busy: the UI
thread then waits its turn for a core behind the tap's threads, and the window stalls for
100 ms and more (benchmarks/ui_stall.py). Linux keeps a nice value per thread, so the
window's background threads can run below the UI thread without slowing the whole process.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

BACKGROUND_NICENESS = 5  # added to the thread's own; the UI thread keeps the process's
MAX_NICENESS = 19


def lower_this_thread(niceness: int = BACKGROUND_NICENESS) -> None:
    """Run the calling thread `niceness` steps below its current CPU priority.

    Linux only: elsewhere setpriority would lower the whole process, the UI thread included.
    Never raises: a thread left at its priority only costs the window some smoothness.
    """
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(current + niceness, MAX_NICENESS))
    except OSError as exc:
        log.debug(
            "cannot lower the priority of thread %s: %s", threading.current_thread().name, exc
        )
