"""`opsdesk queues`' overview as a table for people: one line a queue, then how old it is and
where its rates came from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from opsdesk.broker.queue_overview_values import RATE_SOURCE_TEXT, QueueOverview, QueueRow

HEADERS = (
    "QUEUE",
    "READY",
    "UNACKED",
    "CONSUMERS",
    "PUBLISH/S",
    "DELIVER/S",
    "ACK/S",
    "TYPE",
    "STATE",
    "UTIL",
    "RATES",
    "DEAD-LETTER",
)
_RATE_LABEL = {"management": "api", "prometheus": "prometheus", "pending": "pending", "none": "-"}


def overview_table(overview: QueueOverview) -> str:
    rows = [HEADERS, *(_row(row) for row in overview.rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:7], widths[1:7], strict=True)]
        cells += [cell.ljust(width) for cell, width in zip(row[7:], widths[7:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def overview_footer(overview: QueueOverview) -> str:
    """How many queues, when they were read, and where their rates came from."""
    count = len(overview.rows)
    noun = "queue" if count == 1 else "queues"
    return (
        f"{count} {noun} in vhost {overview.vhost!r} as of {overview.read_at:%H:%M:%S} UTC; "
        f"rates: {rate_sources(overview.rows)}\n"
    )


def rate_sources(rows: Sequence[QueueRow]) -> str:
    """ "management API" or "prometheus over 10.0 s (40), none yet: needs a second reading (2)"."""
    counts = Counter(row.rates.source for row in rows)
    if not counts:
        return "-"
    intervals = [r.rates.interval for r in rows if r.rates.interval is not None]
    parts = []
    for source, count in counts.most_common():
        text = RATE_SOURCE_TEXT[source]
        if source == "prometheus" and intervals:
            text += f" over {max(intervals):.1f} s"
        parts.append(text if len(counts) == 1 else f"{text} ({count})")
    return ", ".join(parts)


def _row(row: QueueRow) -> tuple[str, ...]:
    rates = row.rates
    return (
        row.name,
        _number(row.ready),
        _number(row.unacked),
        _number(row.consumers),
        _rate(rates.publish),
        _rate(rates.deliver),
        _rate(rates.ack),
        row.type,
        row.state or "-",
        "-" if row.consumer_utilisation is None else f"{row.consumer_utilisation:.0%}",
        _RATE_LABEL[rates.source],
        _dead_letter(row),
    )


def _dead_letter(row: QueueRow) -> str:
    if row.dead_letter_exchange is None:
        return ""
    exchange = row.dead_letter_exchange or "(default)"
    key = row.dead_letter_routing_key
    return f"{exchange}/{key}" if key else exchange


def _number(value: int | None) -> str:
    return "-" if value is None else str(value)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
