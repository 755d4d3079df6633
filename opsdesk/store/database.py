"""Opening the history file: owner-only permissions, WAL, pragmas and the schema version check."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import time
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

from sqlite_utils import Database

from opsdesk.store.errors import SchemaTooNew, StoreError, store_failures
from opsdesk.store.migrations import LATEST_VERSION, migrate, schema_version

log = logging.getLogger(__name__)

Synchronous = Literal["FULL", "NORMAL"]

BUSY_TIMEOUT_S = 5.0
WAL_SWITCH_RETRY_S = 0.02
PRIVATE_MODE = 0o600
# Random event_id/payment_id keys touch pages all over their indexes. With SQLite's 2 MiB
# default a 500-row batch into a 1M-row file spent ~36 ms in executemany, ~19 ms with 64 MiB.
# Since checkpoints left the commit (checkpointer.py) 16 MiB measured as fast as 64 MiB
# (benchmarks/checkpoint.py, benchmarks/ingest.py) and the collector's peak RSS fell from
# 128 MB to 77 MB: the OS page cache keeps the hot pages anyway.
WRITER_CACHE_KIB = 16 * 1024
# Checkpoint when the WAL reaches ~64 MiB instead of SQLite's 4 MiB: each checkpoint
# ends in an fsync of pages scattered over the file, and fewer, larger checkpoints made
# ingest into a 1M-row file ~1.5x faster (benchmarks/store_insert.py). The WAL file is
# then truncated back to the same size after a burst instead of staying huge.
WAL_AUTOCHECKPOINT_PAGES = 16_000
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024


def open_history(
    path: Path,
    *,
    readonly: bool = False,
    synchronous: Synchronous = "FULL",
    autocheckpoint: bool = True,
) -> Database:
    """Open (and for a writer create and migrate) the history file at `path`."""
    conn = _connect_readonly(path) if readonly else _connect_writer(path)
    db = Database(conn, execute_plugins=False)
    try:
        with store_failures(f"cannot open {path}"):
            if readonly:
                db.execute("PRAGMA query_only = ON")
                _check_readable_version(db, path)
            else:
                _enable_wal(db)
                db.execute(f"PRAGMA synchronous = {_synchronous(synchronous)}")
                db.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
                pages = WAL_AUTOCHECKPOINT_PAGES if autocheckpoint else 0
                db.execute(f"PRAGMA wal_autocheckpoint = {pages}")
                db.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
                if schema_version(db) != LATEST_VERSION:
                    migrate(db, label=str(path))
                _restrict_sidecars(path)
    except BaseException:
        db.close()
        raise
    return db


def _enable_wal(db: Database) -> None:
    """Switch a new file to WAL (it stays so), waiting out another writer doing the same.

    SQLite answers the switch with "database is locked" at once while another connection
    holds the file (two desks writing their first audit record together), without calling
    the busy handler: so retry within the busy timeout, as every other statement waits.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(WAL_SWITCH_RETRY_S)


def _synchronous(value: str) -> str:
    # Interpolated into a PRAGMA, which cannot take a bound parameter.
    if value not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, not {value!r}")
    return value


def _connect_writer(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _create_private(path)
    except OSError as exc:
        raise StoreError(f"cannot create {path}: {exc}") from exc
    with store_failures(f"cannot open {path}"):
        return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreError(f"no history file at {path}")
    uri = path.resolve().as_uri() + "?mode=ro"
    with store_failures(f"cannot open {path} read-only"):
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)


def _create_private(path: Path) -> None:
    """Create the file owner-only before SQLite does; SQLite gives -wal/-shm the same mode."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        _restrict(path)
        return
    try:
        # The umask may have removed bits we need; set exactly owner read/write.
        os.fchmod(fd, PRIVATE_MODE)
    finally:
        os.close(fd)


def _restrict_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        _restrict(path.with_name(path.name + suffix))


def _restrict(path: Path) -> None:
    """Tighten a file that group or others can read, e.g. one made by an older tool."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s was readable by others (mode %o); restricting to owner", path, mode)
            path.chmod(mode & 0o700)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("cannot restrict permissions of %s: %s", path, exc)


def _check_readable_version(db: Database, path: Path) -> None:
    version = schema_version(db)
    if version == 0:
        raise StoreError(f"{path} is not an opsdesk history file (no schema)")
    if version > LATEST_VERSION:
        raise SchemaTooNew(str(path), version, LATEST_VERSION)
    if version < LATEST_VERSION:
        raise StoreError(
            f"{path} has schema version {version}, older than {LATEST_VERSION}; "
            "open it once for writing to upgrade it"
        )


class HistoryConnection:
    """Closing and `with` support for a store object that owns one connection (`_db`)."""

    _db: Database
    _closed = False

    def close(self) -> None:
        """Close the connection; calling it again does nothing."""
        if not self._closed:
            self._closed = True
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
