"""`opsdesk health`: each node's alarms, limits and partitions, as a table or as JSON."""

from __future__ import annotations

import argparse
import json

from opsdesk.alerting.freshness import age_text
from opsdesk.broker.node_alarms import byte_text
from opsdesk.broker.node_health import AlarmKind, ClusterHealth, NodeHealth, NodeHealthReader
from opsdesk.commands import CommandContext

NAME = "health"
HELP = "node health: memory and disk alarms, limits, partitions (exit 1 while any is raised)"
EXIT_OK, EXIT_ALARM, EXIT_UNREACHABLE = 0, 1, 2

_HEADERS = ("NODE", "STATE", "MEMORY", "DISK FREE", "FDS", "PROCESSES", "SOCKETS", "UPTIME")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Every node of the cluster through the management API: memory used against the high "
        "watermark, free disk against its limit, file descriptors, Erlang processes, sockets, "
        "uptime and partitions, then the alarms in plain sentences. While a memory or disk "
        "alarm is in effect the broker blocks every publisher."
    )
    parser.epilog = (
        f"exit codes: {EXIT_OK} no alarm and no partition; {EXIT_ALARM} a memory or disk alarm "
        f"is raised or the cluster is partitioned; {EXIT_UNREACHABLE} the management API "
        "cannot be read (or the profile cannot be used)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    out, err, profile = context.console.out, context.console.err, context.profile()
    health = NodeHealthReader(profile.endpoint, profile.monitor.management_url).read()
    if args.json:
        out.write(json.dumps(health.to_dict(), indent=2) + "\n")
    if not health.reachable:
        err.write(f"opsdesk: {health.failure}\n")
        return EXIT_UNREACHABLE
    if not args.json:
        out.write(_table(health))
        out.write(f"\nas of {health.read_at:%H:%M:%S} UTC\n")
        label = "alarm" if health.alarms else "ok"
        out.write("".join(f"{label}: {line}\n" for line in health.summary()))
    return EXIT_ALARM if health.alarms else EXIT_OK


def _table(health: ClusterHealth) -> str:
    rows = [_HEADERS, *(_row(node, health) for node in health.nodes)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _row(node: NodeHealth, health: ClusterHealth) -> tuple[str, ...]:
    if not node.running:
        return (node.name, "stopped", *("-" for _ in _HEADERS[2:]))
    # The alarms in effect now (the node's own flags lag the live check by a few seconds).
    raised = {alarm.kind for alarm in health.alarms_on(node.name)}
    memory = f"{byte_text(node.mem_used)} of {byte_text(node.mem_limit)}"
    disk = f"{byte_text(node.disk_free)} (limit {byte_text(node.disk_free_limit)})"
    return (
        node.name,
        "partitioned" if AlarmKind.PARTITION in raised else "running",
        memory + (" ALARM" if AlarmKind.MEMORY in raised else ""),
        disk + (" ALARM" if AlarmKind.DISK in raised else ""),
        _ratio(node.fd_used, node.fd_total),
        _ratio(node.proc_used, node.proc_total),
        _ratio(node.sockets_used, node.sockets_total),
        "-" if node.uptime_seconds is None else age_text(node.uptime_seconds),
    )


def _ratio(used: int | None, total: int | None) -> str:
    return f"{_count(used)}/{_count(total)}"


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
