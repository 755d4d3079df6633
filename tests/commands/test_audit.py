"""`opsdesk audit list` and `opsdesk audit verify` on a real history file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from opsdesk.cli import build_parser
from opsdesk.commands import audit as audit_command
from opsdesk.store.audit import AuditLog
from tests.commands.conftest import Ran, run_command
from tests.operations.conftest import make_profile


def audit(db_path: Path, *argv: str) -> Ran:
    return run_command(audit_command, *argv, profile=make_profile(), history=db_path)


def test_audit_verify_and_list(db_path: Path) -> None:
    with AuditLog(db_path) as log:
        for i in range(3):
            log.record("move", operator="ops", message_ids=[f"m{i}"], outcome="ok")
    listed = audit(db_path, "list", "--json")
    assert [json.loads(line)["id"] for line in listed.out.splitlines()] == [3, 2, 1]
    assert audit(db_path, "verify").code == 0

    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET operator = 'mallory' WHERE id = 2")
    conn.commit()
    conn.close()
    broken = audit(db_path, "verify")
    assert broken.code == 1 and "record #2" in broken.err
    assert audit(db_path.with_name("none.sqlite"), "verify").code == 2


@pytest.mark.parametrize(
    ("argv", "db"),
    [
        (["audit", "list"], None),
        (["audit", "list", "--db", "b.sqlite"], Path("b.sqlite")),
        (["audit", "--db", "a.sqlite", "verify"], Path("a.sqlite")),
        (["audit", "--db", "a.sqlite", "verify", "--db", "b.sqlite"], Path("b.sqlite")),
    ],
)
def test_the_common_options_go_before_or_after_list_and_verify(
    argv: list[str], db: Path | None
) -> None:
    args = build_parser().parse_args(argv)
    assert (args.db, args.verbose, args.profile) == (db, False, None)
