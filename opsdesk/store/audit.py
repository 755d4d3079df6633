"""The append-only audit log: one hash-chained record per operator action, and its verification."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from opsdesk.store.database import HistoryConnection, open_history
from opsdesk.store.errors import StoreError, store_failures
from opsdesk.store.transaction import write_transaction

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# The outcome of an intent record: written before an action touches anything, then followed
# by the action's outcome record, whose detail names it ("intent": id). A "started" record
# without an outcome means the action was interrupted (a crash, a kill) and may have run.
STARTED = "started"
# The newest record's id and hash, written with every append. Without it, deleting the
# newest records (or appending a forged one) would leave a chain that still verifies.
HEAD_KEY = "audit_head"
_COLUMNS = (
    "id",
    "at",
    "operator",
    "action",
    "source",
    "destination",
    "count",
    "message_ids",
    "outcome",
    "detail",
    "prev_hash",
    "hash",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM audit_log"
_VERIFY_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One operator action as recorded: who, when, what, on which messages, how it ended."""

    id: int
    at: str  # UTC ISO-8601, e.g. 2024-05-01T12:00:00.123456Z
    operator: str
    action: str
    source: str
    destination: str
    count: int
    message_ids: tuple[str, ...]
    outcome: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """The result of checking the chain; `first_bad_id` names the first record that fails."""

    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None


def canonical_json(value: Any) -> str:
    """The one JSON spelling used for stored lists/objects and for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(columns: Mapping[str, Any]) -> str:
    """sha256 over the stored column values (except `hash`), which include prev_hash and id."""
    hashed = {name: columns[name] for name in _COLUMNS if name != "hash"}
    return hashlib.sha256(canonical_json(hashed).encode("utf-8")).hexdigest()


def utc_now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditLog(HistoryConnection):
    """One connection to the history file's audit_log; use it from the thread that opened it."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self._path = Path(path)
        self._readonly = readonly
        self._db: Database = open_history(self._path, readonly=readonly)
        self._closed = False

    @property
    def path(self) -> Path:
        return self._path

    def record(
        self,
        action: str,
        *,
        operator: str,
        source: str = "",
        destination: str = "",
        message_ids: Sequence[str] = (),
        outcome: str,
        detail: Mapping[str, Any] | None = None,
        count: int | None = None,
    ) -> AuditRecord:
        """Append one record chained to the newest one; committed on return."""
        if self._readonly:
            raise StoreError(f"{self._path} is open read-only; cannot write the audit log")
        ids = [str(m) for m in message_ids]
        columns: dict[str, Any] = {
            "at": utc_now_text(),
            "operator": operator,
            "action": action,
            "source": source,
            "destination": destination,
            "count": len(ids) if count is None else int(count),
            "message_ids": canonical_json(ids),
            "outcome": outcome,
            "detail": canonical_json(dict(detail or {})),
        }
        conn = self._db.conn
        # The write lock before the read: two desks appending at once must not chain to the
        # same predecessor.
        with write_transaction(conn, f"cannot write the audit log in {self._path}"):
            newest = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
            last = conn.execute(newest).fetchone()
            columns["id"] = (last[0] + 1) if last else 1
            columns["prev_hash"] = last[1] if last else GENESIS_HASH
            columns["hash"] = record_hash(columns)
            names = ", ".join(_COLUMNS)
            conn.execute(
                f"INSERT INTO audit_log ({names}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                [columns[name] for name in _COLUMNS],
            )
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (HEAD_KEY, canonical_json({"id": columns["id"], "hash": columns["hash"]})),
            )
        log.info(
            "audit #%d: %s %s -> %s (%d, %s) by %s",
            columns["id"],
            action,
            source,
            destination,
            columns["count"],
            outcome,
            operator,
        )
        return _record(tuple(columns[name] for name in _COLUMNS))

    def records(
        self,
        limit: int = 100,
        offset: int = 0,
        action: str | None = None,
        since: str | datetime | None = None,
    ) -> list[AuditRecord]:
        """Newest first, at most `limit`; `since` is inclusive (UTC)."""
        where: list[str] = []
        params: list[Any] = []
        if action:
            where.append("action = ?")
            params.append(action)
        if since is not None:
            where.append("at >= ?")
            params.append(_utc_text(since))
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        params += [int(limit), int(offset)]
        with store_failures(f"cannot read the audit log in {self._path}"):
            rows = self._db.conn.execute(sql, params).fetchall()
        return [_record(row) for row in rows]

    def mentioning(self, action: str, message_ids: Sequence[str]) -> dict[str, int]:
        """For each of `message_ids` in some `action` record, the newest such record's id.

        An intent whose outcome was recorded counts through its outcome (which lists only what
        was done); an intent without one counts itself: it was interrupted and may have run.
        """
        sql = (
            "SELECT j.value, max(a.id) FROM audit_log AS a, json_each(a.message_ids) AS j "
            "WHERE a.action = ? AND j.value IN (SELECT value FROM json_each(?)) "
            "AND (a.outcome != ? OR NOT EXISTS (SELECT 1 FROM audit_log AS b "
            "WHERE b.id > a.id AND json_extract(b.detail, '$.intent') = a.id)) "
            "GROUP BY j.value"
        )
        wanted = canonical_json([str(m) for m in message_ids])
        with store_failures(f"cannot read the audit log in {self._path}"):
            rows = self._db.conn.execute(sql, (action, wanted, STARTED)).fetchall()
        return {str(row[0]): int(row[1]) for row in rows}

    def check_writable(self) -> None:
        """StoreError unless a record could be appended now (locks for writing, writes nothing)."""
        if self._readonly:
            raise StoreError(f"{self._path} is open read-only; cannot write the audit log")
        with write_transaction(self._db.conn, f"cannot write the audit log in {self._path}"):
            pass  # taking the write lock is the check

    def verify(self) -> AuditVerification:
        """Walk the whole chain; any edited, deleted, inserted or reordered record fails it."""
        conn = self._db.conn
        with store_failures(f"cannot read the audit log in {self._path}"):
            # One read transaction: a snapshot, so a record appended meanwhile by another
            # desk cannot look like a mismatch between the chain and its head marker.
            conn.execute("BEGIN")
            try:
                return self._verify()
            finally:
                conn.rollback()

    def _verify(self) -> AuditVerification:
        conn = self._db.conn
        checked = 0
        prev_id = 0
        prev_hash = GENESIS_HASH
        while True:
            rows = conn.execute(
                f"{_SELECT} WHERE id > ? ORDER BY id LIMIT ?", (prev_id, _VERIFY_CHUNK)
            ).fetchall()
            if not rows:
                break
            for row in rows:
                columns = dict(zip(_COLUMNS, row, strict=True))
                rid = int(columns["id"])
                if rid != prev_id + 1:
                    return _bad(
                        checked, rid, f"record #{rid} follows #{prev_id}: records were deleted"
                    )
                if columns["prev_hash"] != prev_hash:
                    what = "the record before it was changed or removed"
                    return _bad(checked, rid, f"record #{rid} is not chained to #{prev_id}: {what}")
                if record_hash(columns) != columns["hash"]:
                    return _bad(checked, rid, f"record #{rid} was changed after it was written")
                checked += 1
                prev_id = rid
                prev_hash = columns["hash"]
        return self._check_head(checked, prev_id, prev_hash)

    def _check_head(self, checked: int, last_id: int, last_hash: str) -> AuditVerification:
        row = self._db.conn.execute("SELECT value FROM meta WHERE key = ?", (HEAD_KEY,)).fetchone()
        if row is None:
            if checked == 0:
                return AuditVerification(ok=True, checked=0)
            return _bad(checked, last_id, "the audit log's head marker is missing")
        try:
            head = json.loads(row[0])
            head_id, head_hash = int(head["id"]), str(head["hash"])
        except (ValueError, KeyError, TypeError):
            return _bad(checked, last_id, "the audit log's head marker is unreadable")
        if head_id > last_id:
            return _bad(
                checked,
                last_id + 1,
                f"the log ended at record #{head_id} but now ends at #{last_id}: "
                "the newest records were deleted",
            )
        if head_id < last_id:
            return _bad(checked, head_id + 1, f"record #{head_id + 1} was added outside opsdesk")
        if head_hash != last_hash:
            return _bad(checked, last_id, f"record #{last_id} was replaced after it was written")
        return AuditVerification(ok=True, checked=checked)


def _bad(checked: int, record_id: int, problem: str) -> AuditVerification:
    return AuditVerification(ok=False, checked=checked, first_bad_id=record_id, problem=problem)


def _utc_text(value: str | datetime) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _record(row: Sequence[Any]) -> AuditRecord:
    columns = dict(zip(_COLUMNS, row, strict=True))
    try:
        ids = tuple(str(m) for m in json.loads(columns["message_ids"] or "[]"))
    except ValueError:
        ids = ()
    try:
        detail = json.loads(columns["detail"] or "{}")
    except ValueError:
        detail = {"unreadable": columns["detail"]}
    return AuditRecord(
        id=int(columns["id"]),
        at=columns["at"],
        operator=columns["operator"],
        action=columns["action"],
        source=columns["source"] or "",
        destination=columns["destination"] or "",
        count=int(columns["count"]),
        message_ids=ids,
        outcome=columns["outcome"],
        detail=detail if isinstance(detail, dict) else {"value": detail},
        prev_hash=columns["prev_hash"] or "",
        hash=columns["hash"],
    )
