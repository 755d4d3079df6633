"""`opsdesk simulate`: a small payment system on the broker until --count or --duration.

The engine is opsdesk/simulator/; this module reads the options and prints the summary.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from opsdesk.commands import CommandContext

if TYPE_CHECKING:  # the simulator imports pika: only `run` needs it
    from opsdesk.config.endpoint import BrokerEndpoint
    from opsdesk.simulator.settings import SimulatorSettings

NAME = "simulate"
HELP = "run a demo payment system"


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `opsdesk simulate`."""
    parser.add_argument("--rate", type=_positive, default=20.0, help="events per second")
    parser.add_argument("--count", type=_count, help="stop after this many events")
    parser.add_argument("--duration", type=_positive, help="stop after this many seconds")
    parser.add_argument(
        "--failure-rate", type=_fraction, default=0.15, help="share of failed payments (0..1)"
    )
    parser.add_argument(
        "--poison-rate",
        type=_fraction,
        default=0.005,
        help="chance of an unreadable message after each event (0..1)",
    )
    parser.add_argument(
        "--retry-success-rate",
        type=_fraction,
        default=0.7,
        help="chance that a replayed failed payment succeeds on its new attempt (0..1)",
    )
    parser.add_argument("--seed", type=int, help="seed for reproducible traffic")
    parser.add_argument("--exchange", default="payments.events", help="topic exchange")
    parser.add_argument(
        "--prefix", help="prefix for the simulator's queues (default: exchange minus '.events')"
    )
    parser.add_argument(
        "--no-processor",
        dest="with_processor",
        action="store_false",
        help="publish only; nobody consumes the processing queue",
    )


def settings_from_args(args: argparse.Namespace, endpoint: BrokerEndpoint) -> SimulatorSettings:
    from opsdesk.simulator.settings import SimulatorSettings

    return SimulatorSettings(
        endpoint=endpoint,
        exchange=args.exchange,
        rate=args.rate,
        count=args.count,
        duration=args.duration,
        failure_rate=args.failure_rate,
        seed=args.seed,
        with_processor=args.with_processor,
        prefix=args.prefix,
        poison_rate=args.poison_rate,
        retry_success_rate=args.retry_success_rate,
    )


def run(args: argparse.Namespace, context: CommandContext) -> int:
    """0 when it ran to its end; 2 when the simulator cannot run (one line on stderr)."""
    from opsdesk.simulator.engine import SimulatorError, run_simulation

    settings = settings_from_args(args, context.profile().endpoint)
    try:
        summary = run_simulation(settings)
    except SimulatorError as exc:
        sys.stderr.write(f"opsdesk simulate: {exc}\n")
        return 2
    sys.stdout.write(
        f"published {summary.published} events for {summary.payments} payments: "
        + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_status.items()))
        + "\n"
    )
    if summary.replies:
        sys.stdout.write(
            f"answered {sum(summary.replies.values())} replayed requests: "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary.replies.items()))
            + "\n"
        )
    return 0
