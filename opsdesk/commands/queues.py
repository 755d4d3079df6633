"""`opsdesk queues`: depth, consumers and rates of queues right now, as a table or as JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from opsdesk.broker.queue_monitor import BrokerUnreachable, QueueMonitor
from opsdesk.broker.queue_sample import QueueProblem, QueueSample, SampleRound
from opsdesk.commands import CommandContext

NAME = "queues"
HELP = "queue depth, consumers and rates"

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
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    """0: all shown; 1: a named queue missing or the broker unreachable; 2: nothing to ask."""
    out, err, profile = context.console.out, context.console.err, context.profile()
    names = tuple(args.queue or ()) or profile.monitor.queues
    try:
        result = QueueMonitor(profile).sample_once(names)
    except BrokerUnreachable as exc:
        err.write(f"opsdesk: cannot reach the broker at {profile.endpoint.redacted_url()}: {exc}\n")
        return 1
    if not names and result.source == "amqp":
        err.write(
            f"opsdesk: no queues to show: the management API is unavailable ({result.api_error}); "
            "name queues with --queue or list them in the profile's [monitor] queues\n"
        )
        return 2
    shown = set(names) or {s.queue for s in result.samples}
    problems = [p for p in result.problems if p.queue in shown]
    if args.json:
        out.write(json.dumps(_document(result, problems), indent=2) + "\n")
    else:
        out.write(_table(result.samples))
        if not result.samples and not names:
            err.write(f"opsdesk: no queues in vhost {result.vhost!r}\n")
    if result.source == "amqp":
        err.write(
            f"note: management API unavailable ({result.api_error}): "
            "ready and consumers from passive declares; no unacked counts or rates\n"
        )
    for problem in problems:
        err.write(_problem_line(problem, result.vhost) + "\n")
    return 1 if any(p.reason in _FAILING for p in problems) else 0


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
