"""The one grammar for a length of time an operator types: `90s`, `15m`, `2h`, `7d`, `1w`.

A number (a fraction allowed) then a unit, in any case, spaces between allowed: `s`, `m` or
`min`, `h`, `d`, `w`. A bare number is a duration only where the caller names its unit: an
age in seconds reads `90` as 90 s, while `--since 2024` must stay a date, not 2024 s ago.
"""

from __future__ import annotations

import re

EXAMPLES = "90s, 15m, 2h, 1d"  # for error messages; the help texts give their own
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(s|m|min|h|d|w)?", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def duration_seconds(text: str, *, bare_unit: str | None = None) -> float | None:
    """`text` in seconds, or None when it is no duration (with no unit and no `bare_unit`)."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        return None
    unit = match.group(2) or bare_unit
    if unit is None:
        return None
    return float(match.group(1)) * _SECONDS[unit.lower()]
