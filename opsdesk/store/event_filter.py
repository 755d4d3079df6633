"""What the operator asks of the history, as a value: a filter that becomes bound SQL only.

Every user-entered value reaches SQLite as a bound parameter and is compared with `=`, so
quotes, `%`, `_`, NUL, SQL fragments and any Unicode match literally. Time bounds are on
`received_at` (indexed): `since` inclusive, `until` exclusive, normalised to the stored text
form (UTC, milliseconds, `Z`) so text order is time order. The free text searches the bodies
through the FTS5 index (store/search.py): each whitespace-separated word of the user's text
becomes a quoted FTS5 string (inner `"` doubled) and all must occur, so FTS syntax typed by the
user (AND, OR, NEAR, `*`, `^`, column filters) is searched as words, never obeyed. Matching is
by token, case-insensitive and accent-insensitive; punctuation only separates tokens, so text
with no letter or digit matches nothing. Only bodies already indexed can match.
`replays` tells the messages the payment system sent (originals) from the copies opsdesk
replayed (their `replay_of` is set), so a replayed request does not pass for a new one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from opsdesk.events.timestamps import to_utc_iso, utc_iso

__all__ = ["EventFilter", "ReplayScope", "TimePreset", "fts_query", "preset_range"]

_TUPLE_FIELDS = ("statuses", "types", "merchants", "currencies", "error_codes")
_TEXT_FIELDS = ("payment_id", "routing_key", "exchange", "text")
# Conditions SQLite must not answer from the sort indexes of migration 14 (unary `+`: same
# values, no index): on a merchant or an amount range it would read every matching row and
# sort them before the first page, where the time-ordered indexes stop after a page.
_UNINDEXED = {"merchant": "+events.merchant", "amount_minor": "+events.amount_minor"}


class TimePreset(enum.StrEnum):
    LAST_15_MIN = "last_15_min"
    LAST_HOUR = "last_hour"
    LAST_24_H = "last_24_h"
    LAST_7_D = "last_7_d"
    TODAY = "today"  # since local midnight of `now`'s time zone

    @property
    def label(self) -> str:
        return _PRESET_LABELS[self]


class ReplayScope(enum.StrEnum):
    """Which messages a filter keeps by where they came from; no scope keeps both."""

    ORIGINALS = "originals"  # sent by the payment system
    REPLAYS = "replays"  # copies opsdesk replayed

    @property
    def label(self) -> str:
        return _SCOPE_LABELS[self]


_SCOPE_LABELS = {
    ReplayScope.ORIGINALS: "originals only",
    ReplayScope.REPLAYS: "replay copies only",
}
_SCOPE_SQL = {
    ReplayScope.ORIGINALS: "events.replay_of IS NULL",
    ReplayScope.REPLAYS: "events.replay_of IS NOT NULL",
}

_PRESET_LABELS = {
    TimePreset.LAST_15_MIN: "Last 15 minutes",
    TimePreset.LAST_HOUR: "Last hour",
    TimePreset.LAST_24_H: "Last 24 hours",
    TimePreset.LAST_7_D: "Last 7 days",
    TimePreset.TODAY: "Today",
}
_PRESET_SPANS = {
    TimePreset.LAST_15_MIN: timedelta(minutes=15),
    TimePreset.LAST_HOUR: timedelta(hours=1),
    TimePreset.LAST_24_H: timedelta(hours=24),
    TimePreset.LAST_7_D: timedelta(days=7),
}


def preset_range(preset: TimePreset, now: datetime | None = None) -> tuple[str, None]:
    """(since, until) for a preset relative to `now` (default: the local clock); until is open."""
    now = now if now is not None else datetime.now().astimezone()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if preset is TimePreset.TODAY:
        return utc_iso(now.replace(hour=0, minute=0, second=0, microsecond=0)), None
    return utc_iso(now - _PRESET_SPANS[preset]), None


@dataclass(frozen=True, slots=True)
class EventFilter:
    """A combination of conditions on events; empty fields do not restrict. All are ANDed.

    Tuple fields match any of their values (OR within a field). Amounts are integer minor
    units and bound the stored amount inclusively (events without an amount never match a
    bound). Build with keywords; `since`/`until` accept any time `to_utc_iso` understands.
    """

    since: str | None = None  # received_at >= since
    until: str | None = None  # received_at < until
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    merchants: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    payment_id: str | None = None
    error_codes: tuple[str, ...] = ()
    routing_key: str | None = None
    exchange: str | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    text: str | None = None
    decode_errors_only: bool = False
    replays: ReplayScope | None = None  # None: originals and replay copies alike
    # Rows stored up to this history row id only: a live list frozen at an instant (export).
    up_to_id: int | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                normal = to_utc_iso(value)
                if normal is None:
                    raise ValueError(f"{name}: {value!r} is not a point in time")
                object.__setattr__(self, name, normal)
        for name in _TUPLE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):  # a lone string would otherwise become its characters
                value = (value,)
            object.__setattr__(self, name, tuple(dict.fromkeys(str(v) for v in value)))
        for name in ("amount_min", "amount_max"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{name} must be an integer in minor units, not {value!r}")
        if self.replays is not None:
            # From a saved filter the scope arrives as its text; anything else is refused.
            object.__setattr__(self, "replays", ReplayScope(self.replays))
        bound = self.up_to_id
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
            raise ValueError(f"up_to_id must be a row id (an integer), not {bound!r}")
        for name in _TEXT_FIELDS:
            if getattr(self, name) == "":
                object.__setattr__(self, name, None)

    @property
    def is_empty(self) -> bool:
        return self == EventFilter()

    def with_preset(self, preset: TimePreset, now: datetime | None = None) -> EventFilter:
        """This filter with its time range replaced by `preset`."""
        since, until = preset_range(preset, now)
        return replace(self, since=since, until=until)

    def to_sql(self) -> tuple[str, list[Any]]:
        """`(where_sql, params)` over table `events`; where_sql is "1" for an empty filter.

        The SQL text depends only on which fields are set and how many values they hold,
        never on the values themselves.
        """
        where: list[str] = []
        params: list[Any] = []
        if self.since is not None:
            where.append("events.received_at >= ?")
            params.append(self.since)
        if self.until is not None:
            where.append("events.received_at < ?")
            params.append(self.until)
        for column, values in (
            ("status", self.statuses),
            ("type", self.types),
            ("merchant", self.merchants),
            ("currency", self.currencies),
            ("error_code", self.error_codes),
        ):
            column = _UNINDEXED.get(column, f"events.{column}")
            if len(values) == 1:
                where.append(f"{column} = ?")
            elif values:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(_bindable(v) for v in values)
        for column, value in (
            ("payment_id", self.payment_id),
            ("routing_key", self.routing_key),
            ("exchange", self.exchange),
        ):
            if value is not None:
                where.append(f"events.{column} = ?")
                params.append(_bindable(value))
        if self.amount_min is not None:
            where.append(f"{_UNINDEXED['amount_minor']} >= ?")
            params.append(self.amount_min)
        if self.amount_max is not None:
            where.append(f"{_UNINDEXED['amount_minor']} <= ?")
            params.append(self.amount_max)
        if self.decode_errors_only:
            where.append("events.decode_error IS NOT NULL")
        if self.replays is not None:
            where.append(_SCOPE_SQL[self.replays])  # no user value: nothing to bind
        if self.up_to_id is not None:
            where.append("events.id <= ?")
            params.append(self.up_to_id)
        if self.text is not None:
            where.append("events.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
            params.append(fts_query(self.text))
        return (" AND ".join(where) or "1"), params

    def describe(self) -> str:
        """A readable one-line summary, e.g. for the line above the history table."""
        parts: list[str] = []
        if self.since or self.until:
            parts.append(f"received {_when(self.since) or '…'} to {_when(self.until) or 'now'}")
        for label, values in (
            ("status", self.statuses),
            ("type", self.types),
            ("merchant", self.merchants),
            ("currency", self.currencies),
            ("error", self.error_codes),
        ):
            if values:
                parts.append(f"{label} {' or '.join(_shown(v) for v in values)}")
        for label, value in (
            ("payment", self.payment_id),
            ("routing key", self.routing_key),
            ("exchange", self.exchange),
        ):
            if value is not None:
                parts.append(f"{label} {_shown(value)}")
        if self.amount_min is not None and self.amount_max is not None:
            parts.append(f"amount {self.amount_min} to {self.amount_max}")
        elif self.amount_min is not None:
            parts.append(f"amount ≥ {self.amount_min}")
        elif self.amount_max is not None:
            parts.append(f"amount ≤ {self.amount_max}")
        if self.decode_errors_only:
            parts.append("undecoded only")
        if self.replays is not None:
            parts.append(self.replays.label)
        if self.text is not None:
            parts.append(f"text {_shown(self.text)}")
        if self.up_to_id is not None:
            parts.append(f"stored up to row {self.up_to_id}")
        return " · ".join(parts) if parts else "all events"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form with only the fields that are set, for saved filters and manifests."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, (), False):
                continue
            if isinstance(value, enum.Enum):
                value = value.value  # plain text in JSON, QSettings and manifests
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EventFilter:
        """Inverse of to_dict; unknown keys (from a newer version) are ignored."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known or value is None:
                continue
            if key in _TUPLE_FIELDS:
                items: Iterable[Any] = [value] if isinstance(value, str) else value
                values[key] = tuple(str(v) for v in items)
            elif key == "decode_errors_only":
                values[key] = bool(value)
            elif key in ("amount_min", "amount_max", "up_to_id"):
                values[key] = value
            elif key == "replays":
                values[key] = ReplayScope(str(value))
            else:
                values[key] = str(value)
        return cls(**values)


def fts_query(text: str) -> str:
    """User text as an FTS5 query: every word a quoted string, all required, nothing obeyed."""
    cleaned = "".join(" " if ch == "\x00" or _is_surrogate(ch) else ch for ch in text)
    words = cleaned.split()
    if not words:
        return '""'  # an empty phrase: matches no row
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _bindable(value: str) -> str | bytes:
    """`value`, or if it holds a lone surrogate (never stored as text) a blob equal to no text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")
    return value


def _is_surrogate(ch: str) -> bool:
    return "\ud800" <= ch <= "\udfff"


def _when(value: str | None) -> str:
    # "2024-05-01T09:40:00.000Z" -> "2024-05-01 09:40:00Z", short enough for one line.
    if value is None:
        return ""
    return value.replace("T", " ").replace(".000Z", "Z")


def _shown(value: str) -> str:
    # repr-like quoting keeps control characters and odd spaces visible in the summary.
    shown = value if value.isprintable() else value.encode("unicode_escape").decode("ascii")
    return f'"{shown}"'
