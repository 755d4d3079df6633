"""Exports: round trips, masking, formula neutralisation, manifest, cancel, scopes, audit."""

from __future__ import annotations

import csv
import hashlib
import json
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from opsdesk import __version__
from opsdesk.events.masking import mask_pans
from opsdesk.events.model import PaymentEvent
from opsdesk.store.audit import AuditLog
from opsdesk.store.errors import StoreError
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.export import (
    ALL_COLUMNS,
    DEFAULT_COLUMNS,
    ExportCancelled,
    ExportFormat,
    ExportRequest,
    ExportScope,
    export_events,
    freeze_rows,
    newest_row_id,
)
from tests.store import history_builder as hb

N = 4500  # more than two chunks
PANS = ("4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "6011000990139424")
FORMULAS = ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "=")
Rows = list[tuple[int, PaymentEvent]]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Rows]:
    path = tmp_path_factory.mktemp("export") / "history.sqlite"
    events = list(hb.generate(N))
    # Written around the ingest masking, as another tool could: the export must mask anyway.
    for i, pan in enumerate(PANS):
        events[10 + i] = replace(
            events[10 + i],
            body=f'{{"card": "{pan}", "note": "PAN {pan} in text"}}',
            headers=json.dumps({"x-card": pan}),
            merchant=f"shop {pan}",
        )
    for i, formula in enumerate(FORMULAS):
        events[20 + i] = replace(events[20 + i], merchant=formula, error_code=formula)
    events[30] = replace(events[30], amount_minor=-500, merchant="refunds-r-us")
    # A card number in a numeric field: masked too, even though it then becomes text.
    events[31] = replace(events[31], amount_minor=4111111111111111)
    return path, hb.write(path, events)


def _expected(event_row: tuple[int, PaymentEvent], columns: tuple[str, ...]) -> list[Any]:
    row_id, event = event_row
    values = []
    for name in columns:
        value = row_id if name == "id" else getattr(event, name)
        if isinstance(value, int) and mask_pans(str(value)) != str(value):
            value = mask_pans(str(value))
        values.append(mask_pans(value) if isinstance(value, str) else value)
    return values


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return str(value)


def test_jsonl_reads_back_as_the_same_rows(history, tmp_path: Path) -> None:
    path, rows = history
    f = EventFilter(statuses=("pending", "failed", "refunded", "unknown"))
    out = tmp_path / "failed.jsonl"
    result = export_events(
        path, ExportRequest(ExportScope.of_filter(f), out, ExportFormat.JSONL, ALL_COLUMNS)
    )
    expected = [r for r in rows if hb.reference(r[1], f)]  # oldest first
    lines = out.read_text(encoding="utf-8").splitlines()
    assert result.rows == len(lines) == len(expected) > 2000
    for line, row in zip(lines, expected, strict=True):
        record = json.loads(line)
        assert list(record) == list(ALL_COLUMNS)
        assert list(record.values()) == _expected(row, ALL_COLUMNS)


def test_csv_opens_with_the_csv_module_to_the_same_values(history, tmp_path: Path) -> None:
    path, rows = history
    out = tmp_path / "all.csv"
    export_events(
        path, ExportRequest(ExportScope.of_filter(EventFilter()), out, columns=ALL_COLUMNS)
    )
    with out.open(encoding="utf-8", newline="") as stream:
        table = list(csv.reader(stream))
    assert table[0] == list(ALL_COLUMNS)
    assert len(table) == N + 1
    for cells, row in zip(table[1:], rows, strict=True):
        assert cells == [_csv_text(v) for v in _expected(row, ALL_COLUMNS)]


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_no_card_number_anywhere_in_the_file(history, tmp_path: Path, fmt: ExportFormat) -> None:
    path, _ = history
    out = tmp_path / f"cards.{fmt.value}"
    export_events(path, ExportRequest(ExportScope.of_filter(EventFilter()), out, fmt, ALL_COLUMNS))
    text = out.read_text(encoding="utf-8")
    for pan in PANS:
        assert pan not in text and pan.replace(" ", "").replace("-", "") not in text
        assert f"{pan[:7]}" in text or pan[:6] in text  # masked, not dropped: first 6 stay
    assert mask_pans(text) == text  # nothing left that looks like a card number
    assert "411111******1111" in text
    assert "4111111111111111" not in text  # the card number in the amount column
    if fmt is ExportFormat.JSONL:
        for line in text.splitlines():
            json.loads(line)  # still valid JSON on every line


def test_formulas_neutralised_in_csv_numbers_left_alone(history, tmp_path: Path) -> None:
    path, rows = history
    ids = [rows[20 + i][0] for i in range(len(FORMULAS))] + [rows[30][0]]
    csv_out, jsonl_out = tmp_path / "f.csv", tmp_path / "f.jsonl"
    columns = ("id", "merchant", "error_code", "amount_minor")
    for out, fmt in ((csv_out, ExportFormat.CSV), (jsonl_out, ExportFormat.JSONL)):
        export_events(path, ExportRequest(ExportScope.of_rows(ids), out, fmt, columns))
    with csv_out.open(encoding="utf-8", newline="") as stream:
        table = list(csv.reader(stream))[1:]
    for cells, formula in zip(table, FORMULAS, strict=False):
        assert cells[1] == cells[2] == "'" + formula
    assert table[-1][1:] == ["refunds-r-us", rows[30][1].error_code or "", "-500"]
    raw = csv_out.read_text(encoding="utf-8")
    assert ",-500" in raw and "'-500" not in raw
    records = [json.loads(line) for line in jsonl_out.read_text(encoding="utf-8").splitlines()]
    assert [r["merchant"] for r in records[:-1]] == list(FORMULAS)  # JSON is not evaluated
    assert records[-1]["amount_minor"] == -500


def test_manifest_describes_and_verifies_the_file(history, tmp_path: Path) -> None:
    path, rows = history
    f = EventFilter(merchants=("merchant-01",), statuses=("failed",))
    out = tmp_path / "evidence.csv"
    result = export_events(path, ExportRequest(ExportScope.of_filter(f), out, operator="alice"))
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert result.manifest_path == tmp_path / "evidence.csv.manifest.json"
    expected = [e for _, e in rows if hb.reference(e, f)]
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest() == result.sha256
    assert manifest["rows"] == len(expected) > 0
    assert manifest["filter"] == f.to_dict()
    assert EventFilter.from_dict(manifest["filter"]) == f
    assert manifest["description"] == f.describe()
    assert manifest["columns"] == list(DEFAULT_COLUMNS)
    assert manifest["time_range"] == {
        "first_received_at": expected[0].received_at,
        "last_received_at": expected[-1].received_at,
    }
    assert (manifest["operator"], manifest["opsdesk_version"], manifest["format"]) == (
        "alice",
        __version__,
        "csv",
    )
    assert manifest["created_at"].endswith("Z")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "evidence.csv",
        "evidence.csv.manifest.json",
    ]


def test_cancel_removes_the_partial_file_and_keeps_an_older_one(history, tmp_path: Path) -> None:
    path, _ = history
    out = tmp_path / "big.jsonl"
    out.write_text("an earlier export\n")
    cancel = threading.Event()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 2000:
            cancel.set()

    request = ExportRequest(ExportScope.of_filter(EventFilter()), out, ExportFormat.JSONL)
    with pytest.raises(ExportCancelled):
        export_events(path, request, on_progress=progress, cancel=cancel)
    assert seen == [(0, N), (2000, N)]
    assert [p.name for p in tmp_path.iterdir()] == ["big.jsonl"]  # no temp, no manifest
    assert out.read_text() == "an earlier export\n"
    with AuditLog(path, readonly=True) as audit:
        last = audit.records(limit=1, action="export")[0]
    assert (last.outcome, last.destination, last.count) == ("cancelled", str(out), 0)


def test_progress_reaches_the_total(history, tmp_path: Path) -> None:
    path, _ = history
    seen: list[tuple[int, int]] = []
    export_events(
        path,
        ExportRequest(ExportScope.of_filter(EventFilter()), tmp_path / "p.csv"),
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(0, N), (2000, N), (4000, N), (N, N)]


def test_selection_keeps_its_order_and_timeline_is_in_order(history, tmp_path: Path) -> None:
    path, rows = history
    picked = [rows[40][0], rows[3][0], 10_000_000, rows[7][0]]  # one id no longer exists
    out = tmp_path / "sel.jsonl"
    result = export_events(
        path, ExportRequest(ExportScope.of_rows(picked), out, ExportFormat.JSONL, ("id",))
    )
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [
        picked[0],
        picked[1],
        picked[3],
    ]
    assert result.rows == 3
    payment = rows[0][1].payment_id or ""
    steps = [i for i, e in rows if e.payment_id == payment]
    out = tmp_path / "timeline.csv"
    result = export_events(
        path, ExportRequest(ExportScope.of_payment(payment), out, columns=("id",))
    )
    assert [int(r[0]) for r in list(csv.reader(out.open()))[1:]] == steps and len(steps) > 1
    manifest = json.loads(result.manifest_path.read_text())
    assert (manifest["scope"], manifest["payment_id"], manifest["filter"]) == (
        "payment",
        payment,
        None,
    )


def test_every_export_is_audited(history, tmp_path: Path) -> None:
    path, _ = history
    f = EventFilter(text='quote " and more')
    out = tmp_path / "audited.csv"
    result = export_events(path, ExportRequest(ExportScope.of_filter(f), out, operator="bob"))
    with AuditLog(path, readonly=True) as audit:
        record = audit.records(limit=1, action="export")[0]
        assert audit.verify().ok
    assert (record.operator, record.destination, record.outcome) == ("bob", str(out), "ok")
    assert record.count == result.rows
    assert record.detail["sha256"] == result.sha256
    assert record.detail["filter"] == f.to_dict()


def test_failed_export_is_audited_and_leaves_nothing(history, tmp_path: Path) -> None:
    path, _ = history
    out = tmp_path / "no-such-folder" / "x.csv"
    with pytest.raises(OSError):
        export_events(path, ExportRequest(ExportScope.of_filter(EventFilter()), out))
    with AuditLog(path, readonly=True) as audit:
        record = audit.records(limit=1, action="export")[0]
    assert record.outcome == "failed" and "No such file" in record.detail["error"]


def test_request_refuses_unknown_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot export"):
        ExportRequest(ExportScope.of_rows([1]), tmp_path / "x.csv", columns=("id", "1; DROP"))
    with pytest.raises(ValueError):
        ExportRequest(ExportScope.of_rows([1]), tmp_path / "x.csv", columns=())


def test_missing_history_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    db = tmp_path / "typo.sqlite"
    with pytest.raises(StoreError, match="no history file"):
        export_events(db, ExportRequest(ExportScope.of_filter(EventFilter()), tmp_path / "x.csv"))
    assert list(tmp_path.iterdir()) == []


def test_a_frozen_filter_exports_the_rows_counted_at_the_click(tmp_path: Path) -> None:
    """The count shown when the operator asks equals the rows written, whatever arrives after."""
    path = tmp_path / "live.sqlite"
    events = list(hb.generate(600))
    hb.write(path, events[:400])
    f = EventFilter(statuses=("failed",))
    frozen = freeze_rows(path, f, newest_row_id(path))
    assert frozen.filter.up_to_id == 400 and frozen.rows > 0
    assert frozen.up_to_received_at == max(e.received_at for e in events[:400])
    hb.write(path, events[400:])  # the tap goes on storing
    out = tmp_path / "frozen.csv"
    result = export_events(path, ExportRequest(ExportScope.of_filter(frozen.filter), out))
    assert result.rows == frozen.rows
    assert (
        result.rows
        < export_events(path, ExportRequest(ExportScope.of_filter(f), tmp_path / "now.csv")).rows
    )
    assert result.manifest.filter == {"statuses": ["failed"], "up_to_id": 400}
    assert newest_row_id(tmp_path / "absent.sqlite") == 0
