"""`opsdesk consumers`: who consumes a queue, with their connection, prefetch and ack mode."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from opsdesk.broker.consumers import ConsumerInfo, QueueConsumers, read_consumers
from opsdesk.broker.management_api import ManagementClient, ManagementError, ManagementNotFound
from opsdesk.broker.monitor_failure_text import describe_management_failure
from opsdesk.commands import CommandContext

NAME = "consumers"
HELP = "who consumes a queue: connection, client name, prefetch, ack mode, since when"
EXIT_CONSUMED, EXIT_NO_CONSUMER, EXIT_UNKNOWN = 0, 1, 2

_HEADERS = ("CONNECTION", "PEER", "CHANNEL", "TAG", "PREFETCH", "ACK", "ACTIVE", "SINCE")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "The consumers of one queue through the management API: the client's own name for "
        "its connection (else the broker's), where it connects from, its channel and consumer "
        "tag, its prefetch (unacked deliveries allowed; 0 is unlimited), whether it "
        "acknowledges manually or automatically, and since when its connection is open."
    )
    parser.epilog = (
        f"exit codes: {EXIT_CONSUMED} the queue has consumers; {EXIT_NO_CONSUMER} it has "
        f"none; {EXIT_UNKNOWN} cannot tell: the queue does not exist, or the management API "
        "cannot be used (or the profile cannot be used)"
    )
    parser.add_argument("--queue", required=True, metavar="NAME", help="the queue")
    parser.add_argument("--vhost", metavar="V", help="its virtual host (default: the profile's)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    out, err, profile = context.console.out, context.console.err, context.profile()
    client = ManagementClient(profile.endpoint, profile.monitor.management_url)
    vhost = client.vhost if args.vhost is None else args.vhost
    try:
        found = read_consumers(client, args.queue, vhost)
    except ManagementNotFound:
        err.write(f"opsdesk: queue {args.queue!r} does not exist in vhost {vhost!r}\n")
        return EXIT_UNKNOWN
    except ManagementError as exc:
        err.write(f"opsdesk: {describe_management_failure(exc)}\n")
        return EXIT_UNKNOWN
    if args.json:
        out.write(json.dumps(found.to_dict(), indent=2) + "\n")
    elif found.consumers:
        out.write(_table(found))
        out.write(f"as of {found.read_at:%H:%M:%S} UTC\n")
    if not found.consumers:
        err.write(f"opsdesk: nobody consumes queue {args.queue!r} in vhost {vhost!r}\n")
        return EXIT_NO_CONSUMER
    return EXIT_CONSUMED


def _table(found: QueueConsumers) -> str:
    rows = [_HEADERS, *(_row(c) for c in found.consumers)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _row(consumer: ConsumerInfo) -> tuple[str, ...]:
    peer = consumer.peer_host or "-"
    if consumer.peer_port is not None:
        peer = f"{peer}:{consumer.peer_port}"
    ack = "manual" if consumer.ack_required else "auto"
    active = "yes" if consumer.active else (consumer.activity_status or "no")
    return (
        consumer.label,
        peer,
        str(consumer.channel_number) if consumer.channel_number is not None else "-",
        consumer.consumer_tag,
        "-" if consumer.prefetch is None else str(consumer.prefetch),
        ack + (",exclusive" if consumer.exclusive else ""),
        active,
        _since(consumer.connected_at),
    )


def _since(when: datetime | None) -> str:
    return "-" if when is None else f"{when:%Y-%m-%d %H:%M:%S} UTC"
