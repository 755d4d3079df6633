"""`opsdesk collect`: ingest into the history without a window, until stopped, idle or full."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, replace

from opsdesk.commands import CommandContext
from opsdesk.commands.kafka_options import add_kafka_arguments, kafka_asked, kafka_settings
from opsdesk.config import Binding

NAME = "collect"
HELP = "ingest without a window"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--exchange",
        action="append",
        metavar="NAME[:BINDING]",
        help="exchange to watch (repeatable; default: the profile's bindings)",
    )
    parser.add_argument(
        "--queue", metavar="TAP_QUEUE_NAME", help="the desk's tap queue (or the team's stream)"
    )
    parser.add_argument(
        "--backfill",
        metavar="AGE|first|TIME",
        help="a stream tap or Kafka: fill the history from the stream (every partition) too, "
        "from its first retained message (first, or earliest), an age (7d, 1h) or a time "
        "(ISO-8601), while following live events",
    )
    add_kafka_arguments(parser)
    parser.add_argument("--idle-exit", type=float, metavar="SECONDS")
    parser.add_argument("--max-events", type=int, metavar="N")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    """0: collected; 1: never reached the broker; 2: a backfill that cannot be."""
    from opsdesk.ingest.backfill_log import describe
    from opsdesk.ingest.backfill_start import BackfillStart
    from opsdesk.ingest.collect import CollectLimits, NeverConnected, run_collect
    from opsdesk.ingest.kafka_collect import run_kafka_collect
    from opsdesk.ingest.source_choice import BackfillNeedsStream

    out, err, profile, db = (
        context.console.out,
        context.console.err,
        context.profile(),
        context.db_path,
    )
    if args.exchange:
        profile = replace(profile, bindings=tuple(Binding.parse(e) for e in args.exchange))
    if args.queue:
        profile = replace(profile, tap=replace(profile.tap, queue=args.queue))
    limits = CollectLimits(idle_exit=args.idle_exit, max_events=args.max_events)
    kafka = kafka_settings(args, profile) if kafka_asked(args) else None
    start = "first" if args.backfill == "earliest" and kafka else args.backfill
    try:
        backfill = BackfillStart.parse(start, context.now()) if start else None
    except ValueError as exc:
        err.write(f"opsdesk: --backfill: {exc}\n")
        return 2
    where = kafka.where() if kafka else profile.endpoint.redacted_url()
    try:
        if kafka is not None:
            result = run_kafka_collect(profile, kafka, db, limits, backfill)
        else:
            result = run_collect(profile, db, limits, backfill)
    except BackfillNeedsStream as exc:
        err.write(f"opsdesk: {exc}\n")
        return 2
    except NeverConnected as exc:
        err.write(f"opsdesk: never connected to {where}: {exc}\n")
        return 1
    counters, progress = result.counters, result.backfill
    if args.json:
        source = {"kafka": kafka.where()} if kafka else {"queue": profile.tap.queue}
        summary = {"db": str(db), **source, **asdict(counters)}
        if progress is not None:
            summary["backfill"] = asdict(progress)
        out.write(json.dumps(summary) + "\n")
        return 0
    out.write(
        f"collected into {db}: received {counters.received}, stored {counters.stored}, "
        f"duplicates {counters.duplicates}, decode errors {counters.decode_errors}\n"
    )
    if progress is not None:
        out.write(f"backfill from {progress.start}: {describe(progress)}\n")
    return 0
