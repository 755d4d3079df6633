"""Copying the WAL back into the history file on a thread of its own, off the ingest path.

SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold: the tap's
writer then stalls while pages scattered over the whole file are written and fsynced, and
the batch's ack waits for it: into a 1M-row history that halved the store's rate
(benchmarks/checkpoint.py). The tap's writer turns the automatic checkpoint off and this
thread checkpoints instead, with a connection of its own: a PASSIVE checkpoint never blocks
the writer, so the two overlap.

During a long burst a passive checkpoint rarely finds a moment with nothing new in the WAL,
so the WAL keeps growing; past `restart_frames` a TRUNCATE checkpoint waits for the writer's
current transaction, copies the rest and empties the WAL file, so it starts over.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

INTERVAL_S = 0.5
RESTART_FRAMES = 64_000  # ~256 MiB of 4 KiB pages
BUSY_TIMEOUT_MS = 2_000


class WalCheckpointer:
    """`start()`, then `stop()`; checkpoints the history at `path` every `interval_s`."""

    def __init__(
        self,
        path: Path,
        *,
        interval_s: float = INTERVAL_S,
        restart_frames: int = RESTART_FRAMES,
    ) -> None:
        self._path = path
        self._interval_s = interval_s
        self._restart_frames = restart_frames
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpointer", daemon=True)
        self.checkpoints = 0  # completed checkpoint calls, for tests and diagnostics

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """End the thread after a last checkpoint."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            # Ingest goes on; the WAL then only shrinks when the file is next opened.
            log.warning("cannot checkpoint %s: %s", self._path, exc)
            return
        try:
            while not self._stopping.wait(self._interval_s):
                self._checkpoint(conn, "PASSIVE")
            self._checkpoint(conn, "PASSIVE")
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection, mode: str) -> None:
        try:
            _busy, wal_frames, _copied = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
            self.checkpoints += 1
            if mode == "PASSIVE" and wal_frames > self._restart_frames:
                self._checkpoint(conn, "TRUNCATE")
        except sqlite3.Error as exc:
            # Busy or locked now; the next round tries again. Nothing is lost either way:
            # committed data is in the WAL until a checkpoint copies it.
            log.debug("checkpoint (%s) of %s skipped: %s", mode, self._path, exc)
