"""Each node's figures against its limits; a figure in alarm is red."""

from __future__ import annotations

from PySide6.QtGui import QColor

from opsdesk.broker.node_alarms import byte_text
from opsdesk.broker.node_health import NodeHealth
from opsdesk.ui.broker.figures_age import age_text
from opsdesk.ui.broker.figures_table_model import (
    ALARM_BACKGROUND,
    ALARM_COLOUR,
    FiguresTableModel,
)

(
    COL_NODE,
    COL_RUNNING,
    COL_MEMORY,
    COL_DISK,
    COL_FDS,
    COL_PROCESSES,
    COL_SOCKETS,
    COL_UPTIME,
    COL_PARTITIONS,
) = range(9)
NEAR_LIMIT = 0.8  # a share of a limit worth noticing before it is reached


def share_text(used: int | None, total: int | None) -> str:
    if used is None:
        return "—"
    if not total:
        return f"{used:,}"
    return f"{used:,} of {total:,} ({used / total:.0%})"


def memory_text(node: NodeHealth) -> str:
    if node.mem_used is None:
        return "—"
    text = f"{byte_text(node.mem_used)} of {byte_text(node.mem_limit)} limit"
    if node.mem_limit:
        text += f" ({node.mem_used / node.mem_limit:.0%})"
    return text


def disk_text(node: NodeHealth) -> str:
    if node.disk_free is None:
        return "—"
    return f"{byte_text(node.disk_free)} free, limit {byte_text(node.disk_free_limit)}"


class NodeHealthModel(FiguresTableModel[NodeHealth]):
    HEADERS = (
        "Node",
        "Running",
        "Memory",
        "Free disk",
        "File descriptors",
        "Erlang processes",
        "Sockets",
        "Uptime",
        "Partitions",
    )

    def text(self, row: NodeHealth, column: int) -> str:
        if column == COL_NODE:
            return row.name
        if column == COL_RUNNING:
            return "running" if row.running else "NOT RUNNING"
        if column == COL_MEMORY:
            return ("⚠ alarm: " if row.mem_alarm else "") + memory_text(row)
        if column == COL_DISK:
            return ("⚠ alarm: " if row.disk_free_alarm else "") + disk_text(row)
        if column == COL_FDS:
            return share_text(row.fd_used, row.fd_total)
        if column == COL_PROCESSES:
            return share_text(row.proc_used, row.proc_total)
        if column == COL_SOCKETS:
            return share_text(row.sockets_used, row.sockets_total)
        if column == COL_UPTIME:
            return "—" if row.uptime_seconds is None else age_text(row.uptime_seconds)
        if column == COL_PARTITIONS:
            return ", ".join(row.partitions) or "none"
        return ""

    def tooltip(self, row: NodeHealth, column: int) -> str:
        if column == COL_MEMORY:
            return "Above the limit (the high watermark) the broker blocks every publisher."
        if column == COL_DISK:
            return "Below the limit the broker blocks every publisher."
        if column == COL_PARTITIONS and row.partitions:
            return "The nodes this one cannot reach: the cluster is split."
        return ""

    def colour(self, row: NodeHealth, column: int) -> QColor | None:
        return ALARM_COLOUR if _alarmed(row, column) or _near(row, column) else None

    def background(self, row: NodeHealth, column: int) -> QColor | None:
        return ALARM_BACKGROUND if _alarmed(row, column) else None


def _alarmed(row: NodeHealth, column: int) -> bool:
    return (
        (column == COL_RUNNING and not row.running)
        or (column == COL_MEMORY and row.mem_alarm)
        or (column == COL_DISK and row.disk_free_alarm)
        or (column == COL_PARTITIONS and bool(row.partitions))
    )


def _near(row: NodeHealth, column: int) -> bool:
    used, total = {
        COL_MEMORY: (row.mem_used, row.mem_limit),
        COL_FDS: (row.fd_used, row.fd_total),
        COL_PROCESSES: (row.proc_used, row.proc_total),
        COL_SOCKETS: (row.sockets_used, row.sockets_total),
    }.get(column, (None, None))
    if used is None or not total:
        return False
    return used / total >= NEAR_LIMIT
