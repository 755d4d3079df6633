"""`opsdesk lag`: how far the services' Kafka consumer groups are behind, partition by partition."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from opsdesk.commands import CommandContext
from opsdesk.commands.kafka_options import add_kafka_arguments, kafka_settings

if TYPE_CHECKING:
    from opsdesk.kafka.lag import GroupLag

NAME = "lag"
HELP = "Kafka consumer groups' lag: committed offsets against each partition's end"
EXIT_READ, EXIT_UNKNOWN_GROUP, EXIT_CANNOT_TELL = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "For each consumer group, its committed offset and the partition's end (the offset "
        "the next record gets) on every partition it committed or is assigned, and the lag "
        "between them. Read with the admin client only: no group is joined, no offset moved."
    )
    parser.epilog = (
        f"exit codes: {EXIT_READ} read; {EXIT_UNKNOWN_GROUP} a group the cluster does not know "
        f"(no member, no committed offset); {EXIT_CANNOT_TELL} cannot tell: the cluster cannot "
        "be read, or no group is named"
    )
    add_kafka_arguments(parser, topics=False)
    parser.add_argument(
        "--group",
        action="append",
        metavar="G",
        help="a consumer group (repeatable; default: the profile's kafka consumer_groups)",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="seconds for each answer"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    from opsdesk.config.kafka_settings import with_password
    from opsdesk.kafka.lag import LagReader

    out, err, profile = context.console.out, context.console.err, context.profile()
    settings = with_password(profile.name, kafka_settings(args, profile, need_topics=False))
    groups = list(args.group or settings.consumer_groups)
    if not groups:
        err.write("opsdesk: name a group (--group G), or consumer_groups in the kafka table\n")
        return EXIT_CANNOT_TELL
    lags = LagReader(settings, args.timeout).read(groups)
    if args.json:
        out.write(json.dumps([_as_dict(lag) for lag in lags], indent=2) + "\n")
    else:
        out.write("".join(_text(lag) for lag in lags))
    for lag in lags:
        if lag.problem is not None:
            err.write(f"opsdesk: group {lag.group}: {lag.problem}\n")
    if any(lag.problem is not None for lag in lags):
        return EXIT_CANNOT_TELL
    if not all(lag.known for lag in lags):
        unknown = ", ".join(lag.group for lag in lags if not lag.known)
        err.write(f"opsdesk: the cluster knows no group {unknown}\n")
        return EXIT_UNKNOWN_GROUP
    return EXIT_READ


def _text(lag: GroupLag) -> str:
    if lag.problem is not None:
        return f"group {lag.group}: cannot be read\n"
    members = f"{lag.members} member{'s' if lag.members != 1 else ''}"
    if lag.members == 0 and lag.active:
        members = "members not reported"
    lines = [f"group {lag.group}: {lag.state}, {members}, lag {lag.total:,}"]
    for p in lag.partitions:
        committed = "none committed" if p.committed is None else f"committed {p.committed:,}"
        behind = "-" if p.lag is None else f"{p.lag:,}"
        lines.append(f"  {p.partition}  {committed}  end {p.end:,}  lag {behind}")
    lines.append(f"  as of {lag.read_at:%H:%M:%S} UTC")
    return "\n".join(lines) + "\n"


def _as_dict(lag: GroupLag) -> dict[str, Any]:
    return {
        "group": lag.group,
        "read_at": lag.read_at.isoformat(),
        "state": lag.state,
        "members": lag.members,
        "active": lag.active,
        "lag": lag.total,
        "problem": lag.problem,
        "partitions": [
            {
                "topic": p.partition.topic,
                "partition": p.partition.partition,
                "committed": p.committed,
                "end": p.end,
                "lag": p.lag,
            }
            for p in lag.partitions
        ],
    }
