"""Queue overviews made up in memory: thousands of queues without declaring them."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from opsdesk.broker.queue_overview_values import QueueOverview, QueueRates, QueueRow

TYPES = ("classic", "quorum", "stream")


def synthetic_overview(
    count: int, *, vhost: str = "/", seed: int = 5, read_at: datetime | None = None
) -> QueueOverview:
    """`count` queues named queue-00000..., with varied figures; every 97th not reported yet."""
    rng = random.Random(seed)
    read_at = read_at or datetime.now(UTC)
    rows = []
    for number in range(count):
        unknown = number % 97 == 0
        ready = None if unknown else rng.randrange(0, 100_000)
        unacked = None if unknown else rng.randrange(0, 500)
        rows.append(
            QueueRow(
                name=f"queue-{number:05d}.{rng.choice(('orders', 'payments', 'refunds'))}",
                vhost=vhost,
                type=TYPES[number % 3],
                state="running",
                ready=ready,
                unacked=unacked,
                total=None if ready is None or unacked is None else ready + unacked,
                consumers=None if unknown else rng.randrange(0, 5),
                consumer_utilisation=None if unknown else rng.random(),
                rates=QueueRates(
                    rng.random() * 50, rng.random() * 50, rng.random() * 50, "management"
                ),
                read_at=read_at,
                dead_letter_exchange="dlx" if number % 4 == 0 else None,
                policy="ha" if number % 5 == 0 else None,
            )
        )
    return QueueOverview(vhost=vhost, read_at=read_at, rows=tuple(rows))


def later(overview: QueueOverview, seconds: float, grow: int) -> QueueOverview:
    """The same queues `seconds` later, each `grow` messages deeper."""
    read_at = overview.read_at + timedelta(seconds=seconds)
    rows = tuple(
        replace(
            row,
            ready=None if row.ready is None else row.ready + grow,
            total=None if row.total is None else row.total + grow,
            read_at=read_at,
        )
        for row in overview.rows
    )
    return QueueOverview(vhost=overview.vhost, read_at=read_at, rows=rows)
