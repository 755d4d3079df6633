"""`opsdesk route`: which queues a message published to an exchange reaches, and the path to
each; or, for a queue, every way into it (--into) or where its dead letters go (--dead-letters).

Read-only: one reading of the vhost's exchanges, bindings and queues through the management
API, then the route worked out as the broker would route it (nothing is published).
"""

from __future__ import annotations

import argparse
import difflib
import json
from dataclasses import asdict
from typing import Any

from opsdesk.broker.dead_letter_chain import dead_letter_chain
from opsdesk.broker.management_api import ManagementClient, ManagementError, ManagementNotFound
from opsdesk.broker.monitor_failure_text import describe_management_failure
from opsdesk.broker.queue_feeds import queue_feeds
from opsdesk.broker.route_text import (
    chain_lines,
    exchange_text,
    feed_text,
    feeds_summary,
    message_text,
    path_text,
    unrouted_text,
    untraceable_text,
)
from opsdesk.broker.route_tracer import Route, trace
from opsdesk.broker.topology import Topology, read_topology
from opsdesk.commands import CommandContext
from opsdesk.events.timestamps import utc_iso

NAME = "route"
HELP = "where a routing key goes from an exchange; the ways into a queue; dead-letter chains"
EXIT_ROUTED, EXIT_UNROUTED, EXIT_CANNOT_TELL = 0, 1, 2
API_TIMEOUT = 15.0  # seconds: a vhost's every binding is a larger answer than one queue


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Where a message would go, worked out from the vhost's exchanges and bindings as "
        "RabbitMQ routes it: direct, topic, fanout and headers exchanges, exchange-to-exchange "
        "bindings, alternate exchanges and the default exchange. Nothing is published."
    )
    parser.epilog = (
        f"exit codes: {EXIT_ROUTED} it reaches at least one queue; {EXIT_UNROUTED} it reaches "
        f"none (or the exchange refuses publishes); {EXIT_CANNOT_TELL} the management API "
        "cannot be read, there is no such exchange or vhost, or a plugin's exchange type on "
        "the way decides. --into and --dead-letters exit 0 with their answer, 2 when the "
        "queue does not exist or the API cannot be read"
    )
    asked = parser.add_mutually_exclusive_group(required=True)
    asked.add_argument(
        "--exchange", metavar="E", help='the exchange published to ("" for the default)'
    )
    asked.add_argument(
        "--into",
        metavar="Q",
        help="instead: every way into queue Q and a key each takes (why does Q receive nothing?)",
    )
    asked.add_argument(
        "--dead-letters",
        metavar="Q",
        help="instead: where queue Q's dead letters go, and theirs after them "
        "(--routing-key: its messages' key, when the dead-letter exchange needs it)",
    )
    parser.add_argument(
        "--routing-key", metavar="K", help="the message's routing key (default: empty)"
    )
    parser.add_argument(
        "--header",
        action="append",
        type=header_option,
        default=[],
        metavar="NAME=VALUE",
        help="a message header, a string (repeatable); NAME:=JSON for another type, "
        'e.g. retries:=3 or CC:=["audit.all"]',
    )
    parser.add_argument("--vhost", metavar="V", help="virtual host (default: the profile's)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def header_option(text: str) -> tuple[str, Any]:
    name, equals, value = text.partition("=")
    if not equals or not name.rstrip(":"):
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE or NAME:=JSON, got {text!r}")
    if not name.endswith(":"):
        return name, value
    try:
        return name[:-1], json.loads(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name[:-1]}: {value!r} is not JSON") from None


def run(args: argparse.Namespace, context: CommandContext) -> int:
    out, err, profile = context.console.out, context.console.err, context.profile()
    client = ManagementClient(profile.endpoint, profile.monitor.management_url, API_TIMEOUT)
    vhost = args.vhost if args.vhost is not None else client.vhost
    try:
        topology = read_topology(client, vhost)
    except ManagementNotFound:
        err.write(f"opsdesk: vhost {vhost!r} does not exist\n")
        return EXIT_CANNOT_TELL
    except ManagementError as exc:
        err.write(f"opsdesk: {describe_management_failure(exc)}\n")
        return EXIT_CANNOT_TELL
    for warning in topology.warnings:
        err.write(f"note: {warning}\n")
    if args.into is not None:
        return _into(args.into, topology, context, args.json)
    if args.dead_letters is not None:
        return _dead_letters(args, topology, context)
    route = trace(topology, args.exchange, args.routing_key or "", dict(args.header))
    if route.refusal == "no_exchange":
        err.write(
            f"opsdesk: exchange {route.exchange!r} does not exist in vhost {topology.vhost!r}"
            f"{_did_you_mean(route, topology)}\n"
        )
        return EXIT_CANNOT_TELL
    out.write(
        json.dumps(_document(route, topology), indent=2) + "\n"
        if args.json
        else _text(route, topology)
    )
    if route.routed:
        return EXIT_ROUTED
    return EXIT_UNROUTED if route.complete else EXIT_CANNOT_TELL


def _did_you_mean(route: Route, topology: Topology) -> str:
    names = [name for name in topology.exchanges if name]
    close = difflib.get_close_matches(route.exchange, names, n=1, cutoff=0.8)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _text(route: Route, topology: Topology) -> str:
    heading = (
        f"{exchange_text(route.exchange)} with {message_text(route)} "
        f"(vhost {topology.vhost!r}, as of {topology.read_at:%H:%M:%S} UTC)"
    )
    if not route.routed:
        return f"{heading}\nreaches no queue: {unrouted_text(route, topology)}\n"
    count = len(route.queues)
    lines = [f"{heading}\nreaches {count} queue{'s' if count != 1 else ''}:"]
    for reached in route.queues:
        lines.append(f"  {reached.queue}")
        lines += [f"      {path_text(path)}" for path in reached.paths]
    lines += [f"note: {visit.exchange!r}: {visit.note}" for visit in route.visits if visit.note]
    if not route.complete:
        lines.append(f"note: {untraceable_text(route)}: it may reach more queues.")
    return "\n".join(lines) + "\n"


def _document(route: Route, topology: Topology) -> dict[str, Any]:
    return {
        **_reading(topology),
        "exchange": route.exchange,
        "routing_key": route.routing_key,
        "headers": route.headers,
        "routing_keys": list(route.routing_keys),
        "routed": route.routed,
        "complete": route.complete,
        "refusal": route.refusal,
        "explanation": None if route.routed else unrouted_text(route, topology),
        "queues": [
            {
                "queue": reached.queue,
                "paths": [
                    {"text": path_text(path), "hops": [asdict(hop) for hop in path.hops]}
                    for path in reached.paths
                ],
            }
            for reached in route.queues
        ],
        "visits": [asdict(visit) for visit in route.visits],
        "untraceable": list(route.untraceable),
        "warnings": list(topology.warnings),
    }


def _into(queue: str, topology: Topology, context: CommandContext, as_json: bool) -> int:
    out, err = context.console.out, context.console.err
    feeds = queue_feeds(topology, queue)
    summary = feeds_summary(feeds, topology.vhost)
    if not feeds.found:
        err.write(f"opsdesk: queue {queue!r} does not exist in vhost {topology.vhost!r}\n")
        return EXIT_CANNOT_TELL
    if as_json:
        document = {**_reading(topology), **asdict(feeds), "summary": summary}
        for path, feed in zip(document["paths"], feeds.paths, strict=True):
            path["text"] = feed_text(feed)
        out.write(json.dumps(document, indent=2) + "\n")
    else:
        out.write(f"{summary}\n" + "".join(f"  {feed_text(feed)}\n" for feed in feeds.paths))
    return EXIT_ROUTED


def _dead_letters(args: argparse.Namespace, topology: Topology, context: CommandContext) -> int:
    out, err = context.console.out, context.console.err
    chain = dead_letter_chain(topology, args.dead_letters, args.routing_key, dict(args.header))
    if not chain.found:
        err.write(f"opsdesk: queue {chain.queue!r} does not exist in vhost {topology.vhost!r}\n")
        return EXIT_CANNOT_TELL
    if args.json:
        document = {**_reading(topology), **asdict(chain), "lines": chain_lines(chain)}
        out.write(json.dumps(document, indent=2) + "\n")
    else:
        heading = f"dead letters of {chain.queue!r} (vhost {topology.vhost!r}, as of "
        out.write(f"{heading}{topology.read_at:%H:%M:%S} UTC):\n")
        out.write("".join(f"  {line}\n" for line in chain_lines(chain)))
    return EXIT_ROUTED


def _reading(topology: Topology) -> dict[str, Any]:
    return {"vhost": topology.vhost, "read_at": utc_iso(topology.read_at)}
