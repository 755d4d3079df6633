"""Routes in words: a path on one line, and one plain sentence for why a message goes nowhere.

Shared by `opsdesk route` and the window's route tracer, so both say the same thing.
A path reads `payments -[payment.#]-> audit -[fanout]-> audit.all`: each hop shows the
binding key (or what the binding matches) between the exchange and where it leads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opsdesk.broker.headers_match import considered_arguments, match_kind
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
