"""The first page of a text search in time order, without matching every indexed body first.

Asked as one query, "the newest 100 events whose body has this word" makes SQLite list every
match from the search index, look each row up and sort them all: ~0.7 s for a word found in
nearly every body of a million. The index lists its matches by row id, newest first for free,
and row ids follow arrival (received_at) nearly always, so the page is read from the newest
`batch` matches only, and then proved complete: a row outside that batch (an older id) could
only belong on the page by having been received after the page's last row, and one indexed
range lookup says whether any such row exists. When the proof fails (rows stored out of
arrival order, or a filter that keeps too few of the batch), the caller runs the full query,
so the page is always the one the full query gives.
"""

from __future__ import annotations

import sqlite3
from array import array
from dataclasses import replace

from opsdesk.store.event_filter import EventFilter, fts_query

__all__ = ["BATCH_MATCHES", "text_first_page"]

BATCH_MATCHES = 2000  # matches read per page at least: a filter keeping 1 in 20 still fills 100


def text_first_page(
    conn: sqlite3.Connection,
    event_filter: EventFilter,
    descending: bool,
    limit: int,
    batch: int | None = None,
) -> array[int] | None:
    """Ids of the first `limit` matches in (received_at, id) order; None when not proved."""
    if event_filter.text is None:
        return None
    batch = max(BATCH_MATCHES, 20 * limit) if batch is None else batch
    where, params = replace(event_filter, text=None).to_sql()
    direction = "DESC" if descending else "ASC"
    hits = (
        "SELECT rowid AS id FROM events_fts WHERE events_fts MATCH ? "
        f"ORDER BY rowid {direction} LIMIT ?"
    )
    match = [fts_query(event_filter.text), batch]
    found, edge = conn.execute(
        f"SELECT count(*), {'min' if descending else 'max'}(id) FROM ({hits})", match
    ).fetchone()
    rows = conn.execute(
        f"SELECT events.id, events.received_at FROM ({hits}) AS hits "
        f"CROSS JOIN events ON events.id = hits.id WHERE {where} "
        f"ORDER BY events.received_at {direction}, events.id {direction} LIMIT ?",
        [*match, *params, int(limit)],
    ).fetchall()
    page = array("q", (row[0] for row in rows))
    if found < batch:
        return page  # the batch held every match
    if len(rows) < limit:
        return None
    # Only a row received after the page's last one (before, oldest first) could rank above
    # it (received_at is NOT NULL); one outside the batch has an id beyond `edge`, so a tie on
    # received_at with the last row loses on id. `+id`: walk the received_at index, not ids.
    later = "received_at > ? AND +id < ?" if descending else "received_at < ? AND +id > ?"
    outside = conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM events WHERE {later})", [rows[-1][1], edge]
    ).fetchone()[0]
    return None if outside else page
