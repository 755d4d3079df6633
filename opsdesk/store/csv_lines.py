"""CSV lines shaped by SQLite in C, byte for byte what `csv.writer` writes for the same cells.

Shaping each cell in Python (`csv.writer` over fetched tuples) capped an export near 85k
rows/s. Here one `printf` per row joins the cells with commas in C (NULL as an empty cell, an
integer as its digits), and Python only looks at each chunk of finished lines: a line whose
cells might need quoting or a formula prefix (a quote, CR, LF or tab anywhere, a cell starting
with `=`, `+`, `-` or `@`, a comma inside a cell) is shaped again by `csv.writer` from its
formula-safe values (see store/export.py), as every line was before. Few lines need that:
negative amounts (refunds) and odd text. Rows printf would get wrong come back NULL and go the
`csv.writer` way too: a text holding NUL (printf stops there) and a REAL or BLOB in a numeric
column. A BLOB in a text column, which opsdesk never stores, is written as its bytes' text.
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Any, cast

__all__ = [
    "FORMULA_START",
    "csv_line_expression",
    "formula_safe_expression",
    "lines_to_reshape",
    "write_csv_rows",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SQL_FORMULA_START = ", ".join(str(ord(ch)) for ch in FORMULA_START)
_SQL_QUOTE = "''''"  # the SQL literal for one single quote
# Anything csv.writer would quote (its quote character, CR, LF; commas are counted instead),
# or that could be a formula at the start of a cell. False alarms only cost time.
_SUSPECT_IN_LINE = re.compile(r'["\r\n\t]|,[=+@-]')
# The same over lines joined by LF, as substrings: str.find outruns a regex here 10-fold, and
# finds one character (memchr) far faster than two, so =, + and @ are found alone and kept
# only at a cell's start; "-" is everywhere in timestamps, so it is looked for after a comma.
_ANYWHERE = ('"', "\r", "\t", ",-", "\n-")
_AT_CELL_START = ("=", "+", "@")
_FORMULA_CELL_START = frozenset("=+-@")
# Columns of INTEGER affinity, which could hold a REAL; text columns convert one to text.
_INTEGER_COLUMNS = frozenset({"id", "amount_minor", "body_size", "replay_attempt"})


def csv_line_expression(columns: Sequence[str]) -> str:
    """SQL giving one CSV line (no terminator) per `events` row, or NULL for csv.writer to
    shape; to be checked by `lines_to_reshape`. Columns come from the EXPORTABLE_COLUMNS
    whitelist."""
    # printf joins in one pass (`||` copies the growing line once per cell: half the speed),
    # but it stops a text at its first NUL and writes a REAL its own way: such rows are NULL.
    template = ",".join(["%s"] * len(columns))
    line = f"printf('{template}', {', '.join(f'events.{name}' for name in columns)})"
    odd = [
        f"instr(events.{name}, char(0))"
        if name not in _INTEGER_COLUMNS
        else f"typeof(events.{name}) IN ('real', 'blob')"
        for name in columns
        if name != "id"  # the rowid: always an integer
    ]
    return f"iif({' OR '.join(odd)}, NULL, {line})" if odd else line


def lines_to_reshape(lines: Sequence[str | None], width: int) -> list[int]:
    """Indexes of the SQL lines that csv.writer might write otherwise, for `width` columns.

    Checked over the chunk's joined text in C where it can be: only when a cell holds a comma
    or a line feed (the counts are off) or for a single column is each line looked at alone.
    """
    if None in lines:  # rows SQLite left to csv.writer; rare: each line is looked at
        return [i for i, line in enumerate(lines) if line is None or _suspect_line(line, width)]
    shaped = cast(Sequence[str], lines)
    text = "\n".join(shaped)
    lf_inside = text.count("\n") != len(shaped) - 1
    if width == 1 or lf_inside or text.count(",") != (width - 1) * len(shaped):
        return [i for i, line in enumerate(shaped) if _suspect_line(line, width)]
    starts = list(accumulate((len(line) + 1 for line in shaped), initial=0))
    suspects = _positions(text, _ANYWHERE) + [
        at for at in _positions(text, _AT_CELL_START) if at > 0 and text[at - 1] in ",\n"
    ]
    found = {bisect_right(starts, at) - 1 for at in suspects}
    if shaped and shaped[0][:1] in _FORMULA_CELL_START:
        found.add(0)
    return sorted(found)


def _positions(text: str, needles: Sequence[str]) -> list[int]:
    """Where each needle's last character occurs in `text`."""
    found = []
    for needle in needles:
        at = text.find(needle)
        while at >= 0:
            found.append(at + len(needle) - 1)
            at = text.find(needle, at + 1)
    return found


def _suspect_line(line: str, width: int) -> bool:
    return (
        not line
        or line[0] in _FORMULA_CELL_START
        or _SUSPECT_IN_LINE.search(line) is not None
        or line.count(",") != width - 1
    )


def formula_safe_expression(name: str) -> str:
    """SQL for one cell's value with the formula prefix applied: what `csv.writer` is given."""
    # unicode() first: it rules out nearly every cell before typeof() is asked.
    return (
        f"CASE WHEN unicode(events.{name}) IN ({_SQL_FORMULA_START}) "
        f"AND typeof(events.{name}) = 'text' "
        f"THEN {_SQL_QUOTE} || events.{name} ELSE events.{name} END"
    )


def write_csv_rows(rows: Sequence[Sequence[Any]]) -> list[str]:
    """The lines (no terminator) `csv.writer` makes of already formula-safe rows."""
    buffer = io.StringIO()
    # The default terminator, CRLF: csv.writer quotes a cell holding a character of it.
    writer = csv.writer(buffer)
    lines = []
    for row in rows:
        writer.writerow(row)
        lines.append(buffer.getvalue()[:-2])
        buffer.seek(0)
        buffer.truncate()
    return lines
