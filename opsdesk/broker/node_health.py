"""Each node's health from the management API: alarms, limits, partitions, and when it was read.

Two sources, because they age differently:
- `/api/nodes` carries each node's figures (memory, disk, file descriptors, processes, ...).
  They are the management plugin's statistics, emitted every 5 s by default: an alarm shows
  there 5-10 s after the broker raised or cleared it.
- `/api/health/checks/alarms` asks the broker now. It answers 503 while any resource alarm
  is in effect in the cluster (our client keeps the reason, not the list of alarms).
The live check decides whether a memory or disk alarm is in effect; the node figures say
where and how far over the limit. Partitions come from the node figures only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from opsdesk.broker.management_api import (
    DEFAULT_TIMEOUT,
    InvalidManagementURL,
    ManagementClient,
    ManagementError,
)
from opsdesk.broker.monitor_failure_text import describe_management_failure
from opsdesk.broker.node_alarms import (
    AlarmKind,
    BrokerAlarm,
    disk_alarm,
    memory_alarm,
    partition_alarm,
    unnamed_alarm,
)
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.events.timestamps import utc_iso

__all__ = [
    "AlarmCheck",
    "AlarmKind",
    "BrokerAlarm",
    "ClusterHealth",
    "NodeHealth",
    "NodeHealthReader",
]

log = logging.getLogger(__name__)

_NODE_COLUMNS = ",".join(
    (
        "name",
        "running",
        "mem_used",
        "mem_limit",
        "mem_alarm",
        "disk_free",
        "disk_free_limit",
        "disk_free_alarm",
        "fd_used",
        "fd_total",
        "proc_used",
        "proc_total",
        "sockets_used",
        "sockets_total",
        "uptime",
        "partitions",
    )
)


class AlarmCheck(StrEnum):
    """What the broker's live alarm check said."""

    CLEAR = "clear"  # no resource alarm in effect anywhere in the cluster
    RAISED = "raised"  # at least one memory or disk alarm in effect
    UNKNOWN = "unknown"  # the check is unavailable (older broker, refused): node figures only


@dataclass(frozen=True, slots=True)
class NodeHealth:
    """One node as `/api/nodes` reports it. None: the node did not report that figure (a
    stopped node reports almost nothing; some brokers turn statistics off)."""

    name: str  # "rabbit@host"
    running: bool
    mem_used: int | None  # bytes
    mem_limit: int | None  # the high watermark, in bytes: above it publishers are blocked
    mem_alarm: bool
    disk_free: int | None  # bytes
    disk_free_limit: int | None  # below it publishers are blocked
    disk_free_alarm: bool
    fd_used: int | None
    fd_total: int | None
    proc_used: int | None  # Erlang processes
    proc_total: int | None
    sockets_used: int | None
    sockets_total: int | None
    uptime_seconds: float | None
    partitions: tuple[str, ...] = ()  # the nodes this one cannot reach

    @classmethod
    def from_api(cls, entry: Mapping[str, Any]) -> NodeHealth:
        uptime = _count(entry, "uptime")
        partitions = entry.get("partitions")
        return cls(
            name=str(entry.get("name", "")),
            running=entry.get("running") is True,
            mem_used=_count(entry, "mem_used"),
            mem_limit=_count(entry, "mem_limit"),
            mem_alarm=entry.get("mem_alarm") is True,
            disk_free=_count(entry, "disk_free"),
            disk_free_limit=_count(entry, "disk_free_limit"),
            disk_free_alarm=entry.get("disk_free_alarm") is True,
            fd_used=_count(entry, "fd_used"),
            fd_total=_count(entry, "fd_total"),
            proc_used=_count(entry, "proc_used"),
            proc_total=_count(entry, "proc_total"),
            sockets_used=_count(entry, "sockets_used"),
            sockets_total=_count(entry, "sockets_total"),
            uptime_seconds=uptime / 1000 if uptime is not None else None,  # the API says ms
            partitions=tuple(map(str, partitions)) if isinstance(partitions, list) else (),
        )


@dataclass(frozen=True, slots=True)
class ClusterHealth:
    """One read of every node. `failure` set means nothing could be read: then `last_good` is
    the reader's latest read that worked (None if none yet), figures to show greyed "as of"
    its `read_at`, with the failure beside them."""

    read_at: datetime  # UTC, when this read was made
    nodes: tuple[NodeHealth, ...] = ()
    alarm_check: AlarmCheck = AlarmCheck.UNKNOWN
    alarms: tuple[BrokerAlarm, ...] = ()  # what is wrong now, memory and disk first
    failure: str | None = None  # one plain sentence: why the API could not be read
    last_good: ClusterHealth | None = None  # with a failure: the last figures known

    @classmethod
    def judged(
        cls, read_at: datetime, nodes: tuple[NodeHealth, ...], check: AlarmCheck
    ) -> ClusterHealth:
        """A successful read: the nodes as reported and the alarms they and the check show."""
        return cls(read_at, nodes, check, find_alarms(nodes, check))

    @property
    def reachable(self) -> bool:
        return self.failure is None

    @property
    def publishers_blocked(self) -> bool:
        """A memory or disk alarm is in effect: the broker blocks every publishing connection."""
        return any(alarm.blocks_publishers for alarm in self.alarms)

    @property
    def partitioned(self) -> bool:
        return any(alarm.kind is AlarmKind.PARTITION for alarm in self.alarms)

    def alarms_on(self, node: str) -> tuple[BrokerAlarm, ...]:
        return tuple(alarm for alarm in self.alarms if alarm.node == node)

    def age_seconds(self, now: datetime | None = None) -> float:
        return max(0.0, ((now or datetime.now(UTC)) - self.read_at).total_seconds())

    def summary(self) -> tuple[str, ...]:
        """Plain sentences: why it could not be read, else each alarm and each stopped node,
        else that all is well."""
        if self.failure is not None:
            return (self.failure,)
        lines = [alarm.sentence for alarm in self.alarms]
        stopped = [node.name for node in self.nodes if not node.running]
        lines += [f"{name} is not running: its figures are unknown" for name in stopped]
        if lines:
            return tuple(lines)
        running = sum(node.running for node in self.nodes)
        return (f"no alarms and no partitions; {running} of {len(self.nodes)} nodes running",)

    def to_dict(self) -> dict[str, Any]:
        return {
            "read_at": utc_iso(self.read_at),
            "reachable": self.reachable,
            "failure": self.failure,
            "alarm_check": self.alarm_check.value,
            "publishers_blocked": self.publishers_blocked,
            "alarms": [alarm.to_dict() for alarm in self.alarms],
            "nodes": [asdict(node) for node in self.nodes],
            "summary": list(self.summary()),
            "last_good_read_at": utc_iso(self.last_good.read_at) if self.last_good else None,
        }


class NodeHealthReader:
    """Reads every node's health through the management API; never raises for a broker or an
    API that cannot be read: the read says why, in one sentence. Use from one thread."""

    def __init__(
        self,
        endpoint: BrokerEndpoint,
        management_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._clock = clock
        self._client: ManagementClient | None = None
        self._invalid_url: str | None = None
        self._last_good: ClusterHealth | None = None
        try:
            self._client = ManagementClient(endpoint, management_url, timeout)
        except InvalidManagementURL as exc:
            self._invalid_url = f"The management API cannot be used: {exc}."

    @property
    def api_url(self) -> str | None:
        return self._client.base_url if self._client is not None else None

    def read(self) -> ClusterHealth:
        read_at = self._clock()
        if self._client is None:
            return ClusterHealth(read_at, failure=self._invalid_url)
        try:
            listed = self._client.get(f"/api/nodes?columns={_NODE_COLUMNS}")
        except ManagementError as exc:
            log.info("node health not read: %s", exc)
            return self._failed(read_at, describe_management_failure(exc))
        if not isinstance(listed, list):
            return self._failed(
                read_at,
                f"The management API at {self._client.base_url} answered the node list "
                "with something other than a list.",
            )
        nodes = tuple(NodeHealth.from_api(e) for e in listed if isinstance(e, Mapping))
        self._last_good = ClusterHealth.judged(read_at, nodes, _alarm_check(self._client))
        return self._last_good

    def _failed(self, read_at: datetime, failure: str) -> ClusterHealth:
        return ClusterHealth(read_at, failure=failure, last_good=self._last_good)


def _alarm_check(client: ManagementClient) -> AlarmCheck:
    try:
        client.get("/api/health/checks/alarms")
    except ManagementError as exc:
        if exc.status == 503 and "alarm" in exc.reason.lower():
            return AlarmCheck.RAISED
        log.info("the broker's alarm check is unavailable: %s", exc)
        return AlarmCheck.UNKNOWN
    return AlarmCheck.CLEAR


def find_alarms(nodes: tuple[NodeHealth, ...], check: AlarmCheck) -> tuple[BrokerAlarm, ...]:
    """The alarms in effect: memory and disk as the live check decides, then partitions.

    The node figures lag the live check by a statistics interval or two: an alarm the check
    no longer reports has cleared, and one it reports that no node shows yet is unnamed.
    """
    resources: list[BrokerAlarm] = []
    if check is not AlarmCheck.CLEAR:
        for node in nodes:
            if node.mem_alarm:
                resources.append(memory_alarm(node.name, node.mem_used, node.mem_limit))
            if node.disk_free_alarm:
                resources.append(disk_alarm(node.name, node.disk_free, node.disk_free_limit))
    if check is AlarmCheck.RAISED and not resources:
        resources.append(unnamed_alarm())
    partitions = [partition_alarm(n.name, n.partitions) for n in nodes if n.partitions]
    return (*resources, *partitions)


def _count(entry: Mapping[str, Any], key: str) -> int | None:
    value = entry.get(key)
    # bool is an int in Python; a flag is not a count.
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
