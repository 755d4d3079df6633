"""Ages and window lengths as short text: `45s`, `12m 05s`, `3h 20m`, `2d 4h`."""

from __future__ import annotations


def duration_text(seconds: float) -> str:
    """How long something has waited, to the precision an operator needs."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def window_text(seconds: float) -> str:
    """A window's length: `15 min`, `1 h`, `24 h`, `7 d`, `90 s`."""
    whole = int(seconds)
    if whole % 86400 == 0 and whole >= 2 * 86400:
        return f"{whole // 86400} d"
    if whole % 3600 == 0:
        return f"{whole // 3600} h"
    if whole % 60 == 0:
        return f"{whole // 60} min"
    return f"{whole} s"
