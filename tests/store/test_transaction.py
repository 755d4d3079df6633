"""The store's one write transaction, on real SQLite files."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from opsdesk.store.errors import StoreError
from opsdesk.store.transaction import write_transaction


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(tmp_path / "t.sqlite", timeout=0.05)
    connection.execute("CREATE TABLE t (v INTEGER UNIQUE)")
    connection.commit()
    yield connection
    connection.close()


def _values(path: Path) -> list[int]:
    # A second connection sees only what was committed.
    with closing(sqlite3.connect(path)) as other:
        return [row[0] for row in other.execute("SELECT v FROM t ORDER BY v")]


def test_commits_when_the_block_ends(conn: sqlite3.Connection, tmp_path: Path) -> None:
    with write_transaction(conn, "cannot write") as tx:
        tx.execute("INSERT INTO t VALUES (1)")
        tx.execute("INSERT INTO t VALUES (2)")
    assert not conn.in_transaction
    assert _values(tmp_path / "t.sqlite") == [1, 2]


def test_an_early_return_still_commits(conn: sqlite3.Connection, tmp_path: Path) -> None:
    def write_one() -> int:
        with write_transaction(conn, "cannot write"):
            conn.execute("INSERT INTO t VALUES (7)")
            return 7
        raise AssertionError("unreachable")

    assert write_one() == 7
    assert _values(tmp_path / "t.sqlite") == [7]


def test_an_exception_rolls_back_everything_and_is_raised(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match="midway"), write_transaction(conn, "cannot write"):
        conn.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("midway")
    assert not conn.in_transaction
    assert _values(tmp_path / "t.sqlite") == []


def test_a_programming_error_is_rolled_back_and_not_hidden(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    with pytest.raises(sqlite3.IntegrityError), write_transaction(conn, "cannot write"):
        conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("INSERT INTO t VALUES (1)")
    assert not conn.in_transaction
    assert _values(tmp_path / "t.sqlite") == []


def test_a_file_locked_by_another_writer_is_a_store_error(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    locked = pytest.raises(StoreError, match=r"cannot write here: database is locked")
    with closing(sqlite3.connect(tmp_path / "t.sqlite")) as holder:
        holder.execute("BEGIN IMMEDIATE")
        with locked, write_transaction(conn, "cannot write here"):
            conn.execute("INSERT INTO t VALUES (1)")
        holder.rollback()
    assert not conn.in_transaction
    with write_transaction(conn, "cannot write"):
        conn.execute("INSERT INTO t VALUES (3)")
    assert _values(tmp_path / "t.sqlite") == [3]


def test_the_write_lock_is_held_for_the_whole_block(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    # Even before the block writes, a second writer is kept out.
    kept_out = pytest.raises(sqlite3.OperationalError, match="locked")
    second = closing(sqlite3.connect(tmp_path / "t.sqlite", timeout=0.05))
    with second as other, write_transaction(conn, "cannot write"), kept_out:
        other.execute("BEGIN IMMEDIATE")
