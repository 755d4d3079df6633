"""`opsdesk export`: filters from options, files and manifest written, audited, no Qt."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsdesk.commands import export
from opsdesk.config import resolve_profile
from opsdesk.store.audit import AuditLog
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.search import SearchIndexer
from tests.commands.conftest import run_command
from tests.store import history_builder as hb


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("cli") / "history.sqlite"
    return path, hb.write(path, list(hb.generate(1500, span=timedelta(days=2))))


def _run(db: Path, *argv: str, now: datetime | None = None) -> tuple[int, str, str]:
    ran = run_command(export, *argv, profile=resolve_profile(), history=db, now=now)
    return ran.code, ran.out, ran.err


def test_exports_what_the_options_select(history, tmp_path: Path) -> None:
    db, rows = history
    target = tmp_path / "incident.csv"
    code, out, err = _run(
        db,
        "--out", str(target),
        "--since", "2024-05-01T12:00:00Z",
        "--until", "2024-05-02T12:00:00+00:00",
        "--status", "failed",
        "--status", "pending",
        "--merchant", "merchant-00",
        "--merchant", "merchant-03",
    )  # fmt: skip
    assert (code, err) == (0, "")
    f = EventFilter(
        since="2024-05-01T12:00:00Z",
        until="2024-05-02T12:00:00Z",
        statuses=("failed", "pending"),
        merchants=("merchant-00", "merchant-03"),
    )
    expected = [str(i) for i, e in rows if hb.reference(e, f)]
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == expected and expected
    manifest = Path(f"{target}.manifest.json")
    assert f"exported {len(expected)} events" in out
    assert str(target) in out and str(manifest) in out
    assert json.loads(manifest.read_text())["filter"] == f.to_dict()
    with AuditLog(db, readonly=True) as audit:
        record = audit.records(limit=1, action="export")[0]
    assert (record.destination, record.count, record.outcome) == (str(target), len(expected), "ok")


def test_relative_since_payment_error_and_jsonl_from_suffix(history, tmp_path: Path) -> None:
    db, rows = history
    now = hb.START + timedelta(days=2)
    target = tmp_path / "recent.jsonl"
    code, _, err = _run(
        db, "--out", str(target), "--since", "6h", "--error-code", "card_declined", now=now
    )
    assert code == 0, err
    since = (now - timedelta(hours=6)).astimezone(UTC).isoformat(timespec="milliseconds")
    expected = [
        i
        for i, e in rows
        if e.error_code == "card_declined" and e.received_at >= since.replace("+00:00", "Z")
    ]
    assert [json.loads(line)["id"] for line in target.read_text().splitlines()] == expected
    payment = rows[5][1].payment_id or ""
    target = tmp_path / "one.jsonl"
    assert _run(db, "--out", str(target), "--payment-id", payment, "--raw")[0] == 0
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert {r["payment_id"] for r in records} == {payment}
    assert "body" in records[0]


def test_text_and_type_options(history, tmp_path: Path) -> None:
    db, rows = history
    with SearchIndexer(db) as indexer:
        indexer.index_some(10_000)
    target = tmp_path / "t.csv"
    code, _, err = _run(
        db,
        "--out",
        str(target),
        "--text",
        "foxtrot",
        "--type",
        "payment.created",
        "--format",
        "csv",
    )
    assert code == 0, err
    expected = [i for i, e in rows if "foxtrot" in e.body and e.type == "payment.created"]
    assert [int(line.split(",")[0]) for line in target.read_text().splitlines()[1:]] == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--out", "{tmp}/x.txt"], "cannot tell the format"),
        (["--out", "{tmp}/x.csv", "--since", "whenever"], "since"),
        (["--out", "{tmp}/x.csv", "--since", "99999999d"], "before the year 1"),
        (["--out", "{tmp}/missing/x.csv"], "does not exist"),
    ],
)
def test_bad_options_exit_2(history, tmp_path: Path, argv: list[str], message: str) -> None:
    code, out, err = _run(history[0], *(a.format(tmp=tmp_path) for a in argv))
    assert code == 2 and message in err and out == ""
    assert list(tmp_path.iterdir()) == []


def test_missing_history_exits_1(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path / "absent.sqlite", "--out", str(tmp_path / "x.csv"))
    assert code == 1 and "no history file" in err and out == ""
    assert list(tmp_path.iterdir()) == []
