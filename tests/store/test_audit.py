"""The audit log on a real SQLite file: append, read, and a hash chain that catches tampering."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from opsdesk.store.audit import GENESIS_HASH, AuditLog, record_hash
from opsdesk.store.errors import StoreError


def _fill(path: Path, n: int) -> None:
    with AuditLog(path) as audit:
        for i in range(n):
            audit.record(
                "move",
                operator="alice",
                source="payments.stuck",
                destination=f"queue 'parking.{i}'",
                message_ids=[f"m-{i}-a", f"m-{i}-b"],
                outcome="ok",
                detail={"i": i, "note": "déjà €"},
            )


def _tamper(path: Path, *sql: str) -> None:
    """What someone with the sqlite3 shell can do: drop the guards, then edit."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _verify(path: Path):
    with AuditLog(path, readonly=True) as audit:
        return audit.verify()


def test_records_are_chained_and_read_back_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with AuditLog(path) as audit:
        first = audit.record("replay", operator="bob", message_ids=["e1"], outcome="ok")
        second = audit.record(
            "purge", operator="bob", source="q", outcome="ok", count=42, detail={"x": [1, 2]}
        )
        assert first.prev_hash == GENESIS_HASH
        assert second.prev_hash == first.hash
        assert first.count == 1 and second.count == 42
        assert first.at.endswith("Z") and "T" in first.at
        records = audit.records(10)
        assert [r.id for r in records] == [second.id, first.id]
        assert records[0].detail == {"x": [1, 2]}
        assert records[1].message_ids == ("e1",)
        assert [r.action for r in audit.records(10, action="replay")] == ["replay"]
        assert audit.records(10, since="2999-01-01T00:00:00Z") == []
        assert len(audit.records(1, offset=1)) == 1
        assert audit.mentioning("replay", ["e1", "e2"]) == {"e1": first.id}
        assert audit.verify().ok and audit.verify().checked == 2


def test_an_empty_log_verifies(tmp_path: Path) -> None:
    with AuditLog(tmp_path / "h.sqlite") as audit:
        result = audit.verify()
    assert result.ok and result.checked == 0


def test_triggers_refuse_updates_and_deletes(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    _fill(path, 2)
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET outcome = 'failed'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    conn.close()
    assert _verify(path).ok


@pytest.mark.parametrize(
    ("statement", "bad_id", "words"),
    [
        ("UPDATE audit_log SET outcome = 'failed' WHERE id = 3", 3, "changed"),
        ("UPDATE audit_log SET message_ids = '[]' WHERE id = 2", 2, "changed"),
        ("UPDATE audit_log SET operator = 'mallory' WHERE id = 5", 5, "changed"),
        ("DELETE FROM audit_log WHERE id = 3", 4, "deleted"),
        ("DELETE FROM audit_log WHERE id = 5", 5, "deleted"),
        ("DELETE FROM audit_log WHERE id >= 4", 4, "deleted"),
    ],
)
def test_verify_names_the_first_tampered_record(
    tmp_path: Path, statement: str, bad_id: int, words: str
) -> None:
    path = tmp_path / "h.sqlite"
    _fill(path, 5)
    _tamper(path, statement)
    result = _verify(path)
    assert not result.ok
    assert result.first_bad_id == bad_id
    assert words in (result.problem or "")


def test_a_rehashed_edit_is_caught_by_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    _fill(path, 4)
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM audit_log WHERE id = 2").fetchone())
    conn.close()
    row["outcome"] = "failed"
    _tamper(
        path,
        f"UPDATE audit_log SET outcome = 'failed', hash = '{record_hash(row)}' WHERE id = 2",
    )
    result = _verify(path)
    assert not result.ok and result.first_bad_id == 3


def test_a_forged_record_appended_outside_opsdesk_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    _fill(path, 2)
    conn = sqlite3.connect(path)
    last_hash = conn.execute("SELECT hash FROM audit_log WHERE id = 2").fetchone()[0]
    conn.close()
    forged = {
        "id": 3,
        "at": "2024-01-01T00:00:00.000000Z",
        "operator": "mallory",
        "action": "replay",
        "source": "",
        "destination": "",
        "count": 0,
        "message_ids": "[]",
        "outcome": "ok",
        "detail": "{}",
        "prev_hash": last_hash,
    }
    forged["hash"] = record_hash(forged)
    columns = ", ".join(forged)
    values = ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in forged.values())
    _tamper(path, f"INSERT INTO audit_log ({columns}) VALUES ({values})")
    result = _verify(path)
    assert not result.ok and result.first_bad_id == 3
    assert "outside opsdesk" in (result.problem or "")


def test_appends_from_two_threads_stay_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    AuditLog(path).close()  # create and migrate once

    def append(name: str) -> None:
        with AuditLog(path) as audit:
            for i in range(20):
                audit.record("export", operator=name, message_ids=[f"{name}-{i}"], outcome="ok")

    threads = [threading.Thread(target=append, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    result = _verify(path)
    assert result.ok and result.checked == 40


def test_a_read_only_log_cannot_record(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    _fill(path, 1)
    with AuditLog(path, readonly=True) as audit, pytest.raises(StoreError):
        audit.record("move", operator="x", outcome="ok")
