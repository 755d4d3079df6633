"""Event times as producers write them (ISO-8601, epoch seconds/ms/us/ns) turned into UTC text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

# Magnitude decides the unit of an epoch number: seconds until year ~5138, then ms, us, ns.
_EPOCH_UNITS = ((1e11, 1.0), (1e14, 1e3), (1e17, 1e6), (1e20, 1e9))
_MAX_TEXT = 64  # longer strings are not timestamps; do not hand them to the parser
# Already in the stored format (opsdesk's own producers write it): skip the round trip.
# Days 29-31 take the slow path, which rejects impossible dates such as February 30.
_CANONICAL = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z"
)


# Already UTC, seconds or finer, in a shape fromisoformat accepts (a fraction of 3 or 6 digits):
# cut to milliseconds without building a datetime. Same day rule as _CANONICAL.
_UTC_SECONDS = re.compile(
    r"([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])(?:\.([0-9]{3})(?:[0-9]{3})?)?(?:[zZ]|\+00:00)"
)


def utc_iso(moment: datetime) -> str:
    """The format opsdesk stores: millisecond precision, 'Z' suffix, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_utc_iso(value: Any) -> str | None:
    """`value` as ISO-8601 UTC text, or None when it is not a recognisable point in time.

    A time without an offset is taken as UTC (what producers that omit it mean in practice).
    """
    if isinstance(value, str):
        if _CANONICAL.fullmatch(value):
            return value
        utc = _UTC_SECONDS.fullmatch(value)
        if utc is not None:
            return f"{utc[1]}.{utc[2] or '000'}Z"
    try:
        moment = _to_datetime(value)
        return None if moment is None else utc_iso(moment)
    except (ValueError, OverflowError, OSError):
        return None


def _to_datetime(value: Any) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return _from_epoch(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_TEXT:
        return None
    # "1700000000" or "1700000000.5": epoch as text. Up to 8 digits is an ISO basic date.
    if len(text) > 8 and text.replace(".", "", 1).isdigit() and text.isascii():
        return _from_epoch(float(text))
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _from_epoch(number: float) -> datetime | None:
    if number != number or number < 0:  # NaN or before 1970: not a producer's clock
        return None
    for limit, per_second in _EPOCH_UNITS:
        if number < limit:
            return datetime.fromtimestamp(number / per_second, tz=UTC)
    return None
