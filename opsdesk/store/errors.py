"""The failures of the local history that callers are expected to handle."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


class StoreError(Exception):
    """An expected store failure: cannot open, disk full, read-only, locked, schema mismatch."""


class SchemaTooNew(StoreError):
    """The history file was written by a newer opsdesk than this one."""

    def __init__(self, path: str, found: int, known: int) -> None:
        super().__init__(
            f"{path} has schema version {found}, but this opsdesk only knows up to "
            f"version {known}; upgrade opsdesk or open another history file"
        )
        self.found = found
        self.known = known


def is_busy(exc: StoreError) -> bool:
    """True when another connection held the write lock past the busy timeout: worth a retry."""
    cause = exc.__cause__
    if not isinstance(cause, sqlite3.OperationalError):
        return False
    name = getattr(cause, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(cause)


@contextmanager
def store_failures(action: str) -> Iterator[None]:
    """Turn SQLite's environmental failures into StoreError; let programming errors through."""
    try:
        yield
    # These mean a bug in opsdesk (bad SQL, NULL in a NOT NULL column, closed or
    # foreign-thread connection): hiding them behind StoreError would hide the bug.
    except (sqlite3.ProgrammingError, sqlite3.IntegrityError, sqlite3.InterfaceError):
        raise
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorname", None)
        detail = f"{exc} ({code})" if code else str(exc)
        raise StoreError(f"{action}: {detail}") from exc
