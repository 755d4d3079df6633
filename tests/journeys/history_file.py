"""Reading the desk's history file directly, as `sqlite3` would: what the window should show."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def rows(db_path: Path, where: str = "1", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Stored events matching `where` (a fixed SQL condition of the test, bound parameters)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10) as db:
        db.row_factory = sqlite3.Row
        found = db.execute(f"select * from events where {where} order by id", params)
        return [dict(row) for row in found]


def count(db_path: Path, where: str = "1", params: tuple[Any, ...] = ()) -> int:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10) as db:
        query = f"select count(*) from events where {where}"
        return int(db.execute(query, params).fetchone()[0])


def audit_records(db_path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("select * from audit_log order by id")]
