"""`opsdesk queues`: depth, consumers and rates of queues right now, as a table or as JSON.

Named queues (--queue, or the profile's watched ones) are sampled as the desk samples them,
over AMQP when the management API is down. Otherwise every queue of the vhost is listed
from the management API with its type, state and where its rates came from (Prometheus when
the API has none).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Sequence

from opsdesk.broker.management_api import ManagementError, ManagementNotFound
from opsdesk.broker.monitor_failure_text import describe_management_failure
from opsdesk.broker.queue_monitor import BrokerUnreachable, QueueMonitor
from opsdesk.broker.queue_overview import overview_reader
from opsdesk.broker.queue_overview_values import QueueOverview
from opsdesk.broker.queue_sample import QueueProblem, QueueSample, SampleRound
from opsdesk.commands import CommandContext
from opsdesk.commands.queue_overview_table import overview_footer, overview_table
from opsdesk.config import Profile

NAME = "queues"
HELP = "every queue: type, state, depth, consumers, rates and where the rates come from"
EXIT_OK, EXIT_MISSING, EXIT_UNUSABLE = 0, 1, 2

# Problems that mean "the queue you named could not be shown".
_FAILING = ("not_found", "access_refused", "locked")
_HEADERS = ("QUEUE", "READY", "UNACKED", "CONSUMERS", "PUBLISH/S", "DELIVER/S", "ACK/S", "")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--queue",
        action="append",
        metavar="NAME",
        help="queue to show (repeatable; default: the profile's watched queues, "
        "else every queue of the vhost when the management API is reachable)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="every queue of the vhost, even when the profile watches some",
    )
    parser.add_argument("--vhost", metavar="V", help="list this virtual host's queues")
    parser.add_argument(
        "--match", metavar="REGEX", help="only queues whose name matches REGEX (anywhere in it)"
    )
    parser.add_argument(
        "--rate-wait",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="when the management API gives no rates, read Prometheus twice this far apart "
        "(default 5; 0 reads once and shows no rates)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.epilog = (
        f"exit codes: {EXIT_OK} shown; {EXIT_MISSING} a named queue or the vhost does not "
        f"exist, or the broker cannot be reached for named queues; {EXIT_UNUSABLE} nothing "
        "to show: listing every queue needs the management API and it cannot be used "
        "(or the options conflict)"
    )


def run(args: argparse.Namespace, context: CommandContext) -> int:
    err, profile = context.console.err, context.profile()
    listing = args.all or args.vhost is not None or args.match is not None
    if args.queue and listing:
        err.write("opsdesk: --queue names queues; --all, --vhost and --match list them: not both\n")
        return EXIT_UNUSABLE
    if args.queue or (profile.monitor.queues and not listing):
        return _sampled(args, context, tuple(args.queue or ()) or profile.monitor.queues)
    return _overview(args, context, profile)


def _overview(args: argparse.Namespace, context: CommandContext, profile: Profile) -> int:
    err = context.console.err
    try:
        pattern = re.compile(args.match) if args.match is not None else None
    except re.error as exc:
        err.write(f"opsdesk: --match is not a regular expression: {exc}\n")
        return EXIT_UNUSABLE
    reader = overview_reader(profile)
    vhost = reader.client.vhost if args.vhost is None else args.vhost
    try:
        overview = reader.read(vhost)
        if args.rate_wait > 0 and any(r.rates.source == "pending" for r in overview.rows):
            err.write(
                "note: the management API gives no rates; reading Prometheus again "
                f"in {args.rate_wait:g} s\n"
            )
            time.sleep(args.rate_wait)  # a rate is two readings of a counter apart
            overview = reader.read(vhost)
    except ManagementNotFound:
        err.write(f"opsdesk: there is no virtual host {vhost!r} (or it is not visible)\n")
        return EXIT_MISSING
    except ManagementError as exc:
        err.write(
            f"opsdesk: {describe_management_failure(exc)} Listing every queue needs it; "
            "name queues with --queue to read them over AMQP.\n"
        )
        return EXIT_UNUSABLE
    if pattern is not None:
        overview = overview.matching(pattern.pattern, regex=True)
    _write_overview(overview, args, context)
    if not overview.rows:
        which = f" matches {args.match!r}" if pattern is not None else ""
        err.write(f"opsdesk: no queue in vhost {vhost!r}{which}\n")
    if overview.rates_note:
        err.write(f"note: no rates from Prometheus: {overview.rates_note}\n")
    return EXIT_OK


def _write_overview(
    overview: QueueOverview, args: argparse.Namespace, context: CommandContext
) -> None:
    out = context.console.out
    if args.json:
        out.write(json.dumps(overview.to_dict(), indent=2) + "\n")
        return
    out.write(overview_table(overview))
    out.write(overview_footer(overview))


def _sampled(args: argparse.Namespace, context: CommandContext, names: tuple[str, ...]) -> int:
    """The named queues as the desk samples them: AMQP passive declares without the API."""
    out, err, profile = context.console.out, context.console.err, context.profile()
    try:
        result = QueueMonitor(profile).sample_once(names)
    except BrokerUnreachable as exc:
        err.write(f"opsdesk: cannot reach the broker at {profile.endpoint.redacted_url()}: {exc}\n")
        return EXIT_MISSING
    problems = [p for p in result.problems if p.queue in set(names)]
    if args.json:
        out.write(json.dumps(_document(result, problems), indent=2) + "\n")
    else:
        out.write(_table(result.samples))
    if result.source == "amqp":
        err.write(
            f"note: management API unavailable ({result.api_error}): "
            "ready and consumers from passive declares; no unacked counts or rates\n"
        )
    for problem in problems:
        err.write(_problem_line(problem, result.vhost) + "\n")
    return EXIT_MISSING if any(p.reason in _FAILING for p in problems) else EXIT_OK


def _document(result: SampleRound, problems: Sequence[QueueProblem]) -> dict[str, object]:
    return {
        "taken_at": result.taken_at,
        "vhost": result.vhost,
        "source": result.source,
        "api_error": result.api_error,
        "queues": [s.to_dict() for s in result.samples],
        "problems": [p.to_dict() for p in problems],
    }


def _table(samples: Sequence[QueueSample]) -> str:
    rows = [_HEADERS, *(_row(s) for s in samples)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:-1], widths[1:-1], strict=True)]
        cells.append(row[-1])
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _row(sample: QueueSample) -> tuple[str, ...]:
    return (
        sample.queue,
        str(sample.messages_ready),
        _number(sample.messages_unacked),
        str(sample.consumers),
        _rate(sample.publish_rate),
        _rate(sample.deliver_rate),
        _rate(sample.ack_rate),
        "dead-letter" if sample.is_dead_letter else "",
    )


def _number(value: int | None) -> str:
    return "-" if value is None else str(value)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _problem_line(problem: QueueProblem, vhost: str) -> str:
    if problem.reason == "not_found":
        return f"opsdesk: queue {problem.queue!r} does not exist in vhost {vhost!r}"
    if problem.reason == "dead_letter_exchange_missing":
        return f"warning: queue {problem.queue!r}: {problem.detail}"
    return (
        f"opsdesk: queue {problem.queue!r}: {problem.reason.replace('_', ' ')} ({problem.detail})"
    )
