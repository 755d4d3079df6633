"""NodeHealth and ClusterHealth values as the management API would report them, for the tests
of what judges and shows node health (the alert rules, the banner)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from opsdesk.broker.node_health import AlarmCheck, ClusterHealth, NodeHealth

GB = 1000**3

HEALTHY = NodeHealth(
    name="rabbit@pay-1",
    running=True,
    mem_used=300_000_000,
    mem_limit=800_000_000,
    mem_alarm=False,
    disk_free=40 * GB,
    disk_free_limit=50_000_000,
    disk_free_alarm=False,
    fd_used=40,
    fd_total=1024,
    proc_used=400,
    proc_total=1_048_576,
    sockets_used=2,
    sockets_total=832,
    uptime_seconds=3600.0,
)


def node(**changes: Any) -> NodeHealth:
    return replace(HEALTHY, **changes)


def over_memory(name: str = HEALTHY.name) -> NodeHealth:
    """1.2 GB used of a 0.8 GB limit, the alarm raised."""
    return node(name=name, mem_used=1_200_000_000, mem_alarm=True)


def cluster(
    at: datetime, *nodes: NodeHealth, check: AlarmCheck = AlarmCheck.UNKNOWN
) -> ClusterHealth:
    """A read at `at` that worked; without a check, as judged from the node figures alone."""
    return ClusterHealth.judged(at, nodes or (HEALTHY,), check)


def unreachable(at: datetime) -> ClusterHealth:
    return ClusterHealth(
        at, failure="Nothing answers at http://pay-1:15672: the connection was refused."
    )
