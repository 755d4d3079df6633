"""What is wrong with a node, in one plain sentence each: memory and disk alarms, partitions.

"memory alarm on rabbit@host: 1.2 GB used of a 0.8 GB limit; publishers are blocked".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AlarmKind(StrEnum):
    MEMORY = "memory"  # memory used above the high watermark
    DISK = "disk"  # free disk below disk_free_limit
    # The live check reports a resource alarm the node figures do not show yet.
    UNNAMED = "unnamed"
    PARTITION = "partition"  # a node cannot reach others of its cluster


@dataclass(frozen=True, slots=True)
class BrokerAlarm:
    kind: AlarmKind
    node: str | None  # None: the live check does not say which node
    sentence: str

    @property
    def blocks_publishers(self) -> bool:
        """Resource alarms block every publishing connection of the cluster; a partition not."""
        return self.kind is not AlarmKind.PARTITION

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind.value, "node": self.node, "sentence": self.sentence}


_BLOCKED = "publishers are blocked"


def memory_alarm(node: str, used: int | None, limit: int | None) -> BrokerAlarm:
    figures = (
        f"{byte_text(used)} used of a {byte_text(limit)} limit"
        if used is not None and limit is not None
        else "memory used above the high watermark"
    )
    return BrokerAlarm(AlarmKind.MEMORY, node, f"memory alarm on {node}: {figures}; {_BLOCKED}")


def disk_alarm(node: str, free: int | None, limit: int | None) -> BrokerAlarm:
    figures = (
        f"{byte_text(free)} free, below the {byte_text(limit)} limit"
        if free is not None and limit is not None
        else "free disk below the limit"
    )
    return BrokerAlarm(AlarmKind.DISK, node, f"disk alarm on {node}: {figures}; {_BLOCKED}")


def unnamed_alarm() -> BrokerAlarm:
    return BrokerAlarm(
        AlarmKind.UNNAMED,
        None,
        f"resource alarm in effect (the broker's health check says so; the node figures, "
        f"refreshed every few seconds, do not show which yet); {_BLOCKED}",
    )


def partition_alarm(node: str, unreachable: tuple[str, ...]) -> BrokerAlarm:
    return BrokerAlarm(
        AlarmKind.PARTITION,
        node,
        f"network partition: {node} cannot reach {', '.join(unreachable)}; the cluster is "
        "split and each side may accept different messages",
    )


def byte_text(count: int | None) -> str:
    """1234567890 -> '1.23 GB' (powers of 1000, as RabbitMQ reports its limits)."""
    if count is None:
        return "?"
    value, unit = float(count), "B"
    for larger in ("kB", "MB", "GB", "TB"):
        if abs(value) < 999.5:
            break
        value, unit = value / 1000, larger
    return f"{count} B" if unit == "B" else f"{value:.3g} {unit}"
