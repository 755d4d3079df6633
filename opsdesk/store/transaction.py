"""The one way the store writes: an IMMEDIATE transaction that commits or rolls back whole."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from opsdesk.store.errors import store_failures


@contextmanager
def write_transaction(conn: sqlite3.Connection, failure: str) -> Iterator[sqlite3.Connection]:
    """Hold the write lock for the block; COMMIT when it ends, roll back if it raises.

    IMMEDIATE takes the write lock before the block reads anything, so what it reads cannot
    change under it (two desks chaining audit records, two processes migrating one file).
    A locked, busy, full or broken file raises StoreError("`failure`: why").
    """
    with store_failures(failure):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT can leave the transaction open; an interrupted one may not.
            if conn.in_transaction:
                conn.rollback()
            raise
