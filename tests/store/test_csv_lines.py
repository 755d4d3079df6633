"""CSV lines shaped by SQLite equal csv.writer's over the formula-safe values, on tricky cells."""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from opsdesk.store.csv_lines import formula_safe_expression
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery, SortKey
from opsdesk.store.export import ALL_COLUMNS, DEFAULT_COLUMNS
from opsdesk.store.export_rows import ExportFormat, write_rows
from tests.store import history_builder as hb

TRICKY = (
    'say "hi"',
    "a,b",
    "line\nbreak",
    "cr\rhere",
    "crlf\r\nend",
    "=1+2",
    "+31 20",
    "-minus",
    "@SUM(A1)",
    "\ttab first",
    "tab\tinside",
    "'quoted already",
    "ünïcødé, ☃",
    '"',
    ",",
    "",
    " padded ",
    "nul\x00inside",
    "=",
    "a-b,-c",
)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("csv_lines") / "history.sqlite"
    events = list(hb.generate(2 * len(TRICKY) + 40))
    for i, value in enumerate(TRICKY):
        events[i] = replace(events[i], merchant=value, error_code=value, routing_key=value)
        events[len(TRICKY) + i] = replace(
            events[len(TRICKY) + i], payment_id=value, body=value, occurred_at=None
        )
    events[-1] = replace(events[-1], amount_minor=-500, error_code=None, merchant=None)
    events[-2] = replace(events[-2], amount_minor=0, currency="")
    hb.write(path, events)
    return path


def _old_csv(query: EventQuery, ids: list[int], columns: tuple[str, ...]) -> str:
    """What the export wrote before: csv.writer over SQLite's formula-safe values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(query.select_by_ids(ids, [formula_safe_expression(c) for c in columns]))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "columns",
    [DEFAULT_COLUMNS, ALL_COLUMNS, ("merchant",), ("amount_minor",), ("id", "body")],
)
def test_sql_lines_equal_csv_writer(history: Path, columns: tuple[str, ...]) -> None:
    with EventQuery(history) as query:
        ids = list(query.ids(EventFilter(), SortKey.RECEIVED, descending=False))
        out = io.StringIO()
        write_rows(query, ids, ExportFormat.CSV, columns, out, None, None)
        assert out.getvalue() == _old_csv(query, ids, columns)
    assert len(ids) == 2 * len(TRICKY) + 40


def test_real_and_blob_cells_are_written_as_csv_writer_writes_them(history: Path) -> None:
    copy = history.parent / "odd.sqlite"
    copy.write_bytes(history.read_bytes())
    conn = sqlite3.connect(copy)  # odd values opsdesk never stores, as another tool could
    with conn:
        conn.execute("UPDATE events SET amount_minor = 12.5 WHERE id = 3")
        conn.execute("UPDATE events SET body_size = 1e20 WHERE id = 4")
    conn.close()
    columns = ("id", "amount_minor", "body_size", "merchant")
    with EventQuery(copy) as query:
        ids = [3, 4, 5]
        out = io.StringIO()
        write_rows(query, ids, ExportFormat.CSV, columns, out, None, None)
        expected = _old_csv(query, ids, columns)
    assert out.getvalue() == expected
    assert "12.5" in expected and "1e+20" in expected
