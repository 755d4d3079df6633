"""Routes in words: a path on one line, one plain sentence for why a message goes nowhere,
the ways into a queue and a dead-letter chain.

Shared by `opsdesk route` and the window's route tracer, so both say the same thing.
A path reads `payments -[payment.#]-> audit -[fanout]-> audit.all`: each hop shows the
binding key (or what the binding matches) between the exchange and where it leads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opsdesk.broker.dead_letter_chain import DeadLetterChain, DeadLetterStep
from opsdesk.broker.headers_match import considered_arguments, match_kind
from opsdesk.broker.queue_feeds import FeedPath, QueueFeeds
from opsdesk.broker.route_tracer import ExchangeVisit, Hop, Route, RoutePath
from opsdesk.broker.topology import DEFAULT_EXCHANGE, Topology


def exchange_text(name: str) -> str:
    return "the default exchange" if name == DEFAULT_EXCHANGE else repr(name)


def hop_text(hop: Hop) -> str:
    """What the hop's binding asks for, as it goes between brackets."""
    if hop.via == "alternate":
        return "alternate"
    if hop.via == "default":
        return "queue name"
    if hop.source_type == "fanout":
        return "fanout"
    if hop.source_type == "headers":
        return headers_binding_text(hop.arguments)
    return hop.binding_key if hop.binding_key else '""'


def headers_binding_text(arguments: Mapping[str, Any]) -> str:
    wanted = considered_arguments(arguments)
    pairs = " ".join(f"{k}" if v is None else f"{k}={v}" for k, v in sorted(wanted.items()))
    return f"x-match={match_kind(arguments)}" + (f" {pairs}" if pairs else "")


def path_text(path: RoutePath) -> str:
    """`payments -[payment.#]-> audit -[fanout]-> audit.all`; "(default)" for the default."""
    parts = [_node(path.hops[0].source)]
    for hop in path.hops:
        parts.append(f"-[{hop_text(hop)}]-> {_node(hop.destination)}")
    return " ".join(parts)


def _node(name: str) -> str:
    return "(default)" if name == DEFAULT_EXCHANGE else name


def message_text(route: Route) -> str:
    """`routing key 'a.b'` (and the headers when there are any)."""
    text = f"routing key {route.routing_key!r}"
    if len(route.routing_keys) > 1:
        text += f" (with CC/BCC: {', '.join(map(repr, route.routing_keys[1:]))})"
    if route.headers:
        shown = ", ".join(f"{k}={v!r}" for k, v in route.headers.items())
        text += f" and headers {shown}"
    return text


def unrouted_text(route: Route, topology: Topology) -> str:
    """Why `route` reaches no queue, in one sentence (call it only when it reaches none)."""
    exchange = route.exchange
    if route.refusal == "no_exchange":
        return f"Exchange {exchange!r} does not exist in vhost {topology.vhost!r}."
    if route.refusal == "internal":
        return (
            f"Exchange {exchange!r} is internal: the broker refuses messages published to it "
            "(only other exchanges route to it)."
        )
    if exchange == DEFAULT_EXCHANGE:
        return (
            f"No queue is named {route.routing_key!r}: the default exchange delivers only to "
            "the queue named by the routing key."
        )
    if route.untraceable:
        return untraceable_text(route) + "."
    why = _first_exchange_text(route.visits[0], route, topology)
    return why + ". The broker drops it (a mandatory publish gets it back)."


def untraceable_text(route: Route) -> str:
    """What the tracer cannot follow on the way (call it when `route.untraceable`)."""
    kinds = {visit.exchange: visit.type for visit in route.visits}
    names = ", ".join(f"{name!r} ({kinds.get(name, '?')})" for name in route.untraceable)
    return (
        f"It goes through {names}, a plugin's exchange type that chooses among its bindings "
        "itself: where it goes from there cannot be traced"
    )


def _first_exchange_text(visit: ExchangeVisit, route: Route, topology: Topology) -> str:
    exchange = topology.exchanges[route.exchange]
    name = repr(exchange.name)
    alternate = exchange.alternate_exchange
    if visit.matched:
        onward = ", ".join(sorted({repr(b.destination) for b in visit.matched}))
        text = f"{name} passes it on to {onward}, where nothing routes it to a queue"
        if alternate is not None:
            text += f" (its alternate exchange {alternate!r} is not asked: a binding matched)"
        return text
    if not topology.bindings_from(exchange.name):
        if alternate is None:
            return f"{name} has no bindings and no alternate exchange"
        text = f"{name} has no bindings"
    elif exchange.type == "headers":
        text = f"No binding of {name} matches its headers"
    else:
        text = f"No binding of {name} matches {message_text(route)}"
    if alternate is None:
        return text + f", and {name} has no alternate exchange"
    if visit.alternate is None:  # it has one, but it does not exist
        return text + f", and its alternate exchange {alternate!r} does not exist"
    return text + f"; its alternate exchange {alternate!r} routes it nowhere either"


def feed_text(feed: FeedPath) -> str:
    """One way into a queue: its path, then what it takes."""
    if feed.any_key:
        needs = "any routing key"
    elif feed.example_key is not None:
        needs = f"e.g. routing key {feed.example_key!r}"
    else:
        needs = "no routing key passes every binding on it"
    extras = [needs]
    extras += [f"headers {headers_binding_text(h)}" for h in feed.headers_bindings]
    if feed.through_alternate:
        extras.append("only what matched no binding before the alternate exchange")
    if feed.dead_lettered_from:
        extras.append(f"dead letters of {', '.join(map(repr, feed.dead_lettered_from))}")
    return f"{path_text(feed.path)}  ({'; '.join(extras)})"


def feeds_summary(feeds: QueueFeeds, vhost: str) -> str:
    """Why a queue may receive nothing, in one sentence."""
    name = repr(feeds.queue)
    if not feeds.found:
        return f"Queue {name} does not exist in vhost {vhost!r}."
    if not feeds.has_bindings:
        return (
            f"{name} has no bindings: only a message published to the default exchange with "
            f"routing key {feeds.queue!r} reaches it."
        )
    routes_in = [p for p in feeds.paths if p.path.start != DEFAULT_EXCHANGE]
    count = len(feeds.bindings)
    text = f"{name} has {count} binding{'s' if count != 1 else ''}"
    if not any(p.possible for p in routes_in):
        return text + ", but no routing key passes every binding on any way in from an exchange."
    more = " (more than listed)" if feeds.truncated else ""
    return f"{text}; a message reaches it by one of these ways{more}:"


def chain_lines(chain: DeadLetterChain) -> list[str]:
    """A dead-letter chain, one step a line: queue -> exchange (by which key) -> queues."""
    if not chain.steps:
        return [
            f"{chain.queue!r} has no dead-letter exchange: what it rejects or expires is dropped."
        ]
    lines, seen = [], set()
    for step in chain.steps:
        # A queue comes up again when its dead letters come back with another key.
        lines.append(("again, " if step.queue in seen else "") + _step_text(step))
        seen.add(step.queue)
    return lines


def _step_text(step: DeadLetterStep) -> str:
    setting = "queue argument" if step.set_by == "argument" else "policy"
    text = f"{step.queue} -> {exchange_text(step.exchange)} ({setting})"
    if not step.exchange_exists:
        return text + ": that exchange does not exist, so its dead letters are dropped"
    if step.routing_key is None:
        key = "by the message's own key (not known)"
    elif step.key_from == "queue":
        key = f"by its dead-letter key {step.routing_key!r}"
    else:
        key = f"by the message's key {step.routing_key!r}"
    landed = ", ".join(step.queues) if step.queues else "no queue: dropped"
    text += f" {key} -> {'may reach ' if step.route is None else ''}{landed}"
    if step.returns_to:
        text += (
            f" (back to {', '.join(map(repr, step.returns_to))}: a cycle, which the broker "
            "breaks by dropping a message that goes round without being rejected)"
        )
    return text
