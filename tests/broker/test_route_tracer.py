"""The route tracer over hand-made topologies: each exchange type, the ways between exchanges
and what the broker does at the edges (pure: no broker)."""

from __future__ import annotations

from typing import Any

import pytest

from opsdesk.broker.headers_match import headers_match
from opsdesk.broker.route_tracer import trace
from opsdesk.broker.topology import Topology
from tests.broker.wiring import Wiring


def reached(topology: Topology, exchange: str, key: str, **headers: Any) -> set[str]:
    return set(trace(topology, exchange, key, headers).queue_names)


def test_direct_takes_the_exact_key_only() -> None:
    t = Wiring().exchange("x", "direct").bind("x", "q1", "a.b").bind("x", "q2", "a.*").topology()
    assert reached(t, "x", "a.b") == {"q1"}
    assert reached(t, "x", "a.*") == {"q2"}  # no wildcards on a direct exchange
    assert reached(t, "x", "a.c") == set()


def test_topic_routes_by_pattern() -> None:
    t = (
        Wiring()
        .exchange("x", "topic")
        .bind("x", "all", "#")
        .bind("x", "failed", "payment.*.failed")
        .bind("x", "gaps", "a..b")
        .topology()
    )
    assert reached(t, "x", "payment.card.failed") == {"all", "failed"}
    assert reached(t, "x", "payment..failed") == {"all", "failed"}
    assert reached(t, "x", "a..b") == {"all", "gaps"}
    assert reached(t, "x", "") == {"all"}


def test_fanout_ignores_the_key() -> None:
    t = Wiring().exchange("x", "fanout").bind("x", "q1", "k").bind("x", "q2").topology()
    assert reached(t, "x", "anything") == {"q1", "q2"}


@pytest.mark.parametrize(
    ("arguments", "headers", "matches"),
    [
        ({"x-match": "all", "a": "1", "b": "2"}, {"a": "1", "b": "2", "c": "3"}, True),
        ({"x-match": "all", "a": "1", "b": "2"}, {"a": "1"}, False),
        ({"a": "1", "b": "2"}, {"a": "1"}, False),  # all is the default
        ({"x-match": "any", "a": "1", "b": "2"}, {"b": "2"}, True),
        ({"x-match": "any", "a": "1"}, {"a": "2"}, False),
        ({"x-match": "all"}, {}, True),  # all of nothing
        ({"x-match": "any"}, {"a": "1"}, False),  # any of nothing
        ({"x-match": "all", "a": "1", "x-tag": "t"}, {"a": "1"}, True),  # x- ignored...
        ({"x-match": "any", "x-tag": "t"}, {"x-tag": "t"}, False),
        ({"x-match": "all-with-x", "a": "1", "x-tag": "t"}, {"a": "1"}, False),  # ...unless with-x
        ({"x-match": "all-with-x", "a": "1", "x-tag": "t"}, {"a": "1", "x-tag": "t"}, True),
        ({"x-match": "any-with-x", "x-tag": "t"}, {"x-tag": "t"}, True),
        ({"x-match": "all", "a": None}, {"a": "anything"}, True),  # void: presence only
        ({"x-match": "all", "n": 1}, {"n": 1.0}, True),  # Erlang ==
        ({"x-match": "all", "n": 1}, {"n": "1"}, False),
        ({"x-match": "all", "b": True}, {"b": 1}, False),
        ({"x-match": "all", "b": True}, {"b": True}, True),
    ],
)
def test_headers_binding(arguments: dict, headers: dict, matches: bool) -> None:
    assert headers_match(arguments, headers) is matches
    t = Wiring().exchange("h", "headers").bind("h", "q", "ignored", **arguments).topology()
    assert reached(t, "h", "any key", **headers) == ({"q"} if matches else set())


def test_exchange_to_exchange_with_the_path_to_each_queue() -> None:
    t = (
        Wiring()
        .exchange("in", "topic")
        .exchange("audit", "fanout")
        .bind_exchange("in", "audit", "payment.#")
        .bind("audit", "audit.q")
        .bind("in", "direct.q", "payment.failed")
        .topology()
    )
    route = trace(t, "in", "payment.failed")
    paths = {r.queue: [[(h.source, h.binding_key, h.destination) for h in p.hops] for p in r.paths]
             for r in route.queues}  # fmt: skip
    assert paths == {
        "audit.q": [[("in", "payment.#", "audit"), ("audit", "", "audit.q")]],
        "direct.q": [[("in", "payment.failed", "direct.q")]],
    }


def test_a_cycle_ends_and_a_queue_reached_twice_gets_one_copy() -> None:
    t = (
        Wiring()
        .exchange("a", "fanout")
        .exchange("b", "fanout")
        .bind_exchange("a", "b")
        .bind_exchange("b", "a")
        .bind("a", "q")
        .bind("b", "q")
        .topology()
    )
    route = trace(t, "a", "k")
    assert route.queue_names == ("q",)
    assert len(route.queues[0].paths) == 2  # a -> q and a -> b -> q: one message
    assert [v.exchange for v in route.visits] == ["a", "b"]  # each exchange routes once


def test_alternate_exchange_takes_what_nothing_matched() -> None:
    t = (
        Wiring()
        .exchange("ae", "fanout")
        .exchange("x", "direct", alternate_exchange="ae")
        .bind("x", "q", "known")
        .bind("ae", "unrouted")
        .topology()
    )
    assert reached(t, "x", "known") == {"q"}
    route = trace(t, "x", "other")
    assert route.queue_names == ("unrouted",)
    assert route.visits[0].alternate == "ae"
    assert route.queues[0].paths[0].hops[0].via == "alternate"


def test_alternate_exchange_is_skipped_once_any_binding_matched() -> None:
    # The broker asks the alternate only when the exchange itself matched nothing: a match
    # into an exchange that routes nowhere is still a match, and the message is dropped.
    t = (
        Wiring()
        .exchange("ae", "fanout")
        .exchange("x", "topic", alternate_exchange="ae")
        .exchange("dead.end", "direct")
        .bind_exchange("x", "dead.end", "#")
        .bind("ae", "unrouted")
        .topology()
    )
    route = trace(t, "x", "k")
    assert not route.routed
    assert route.visits[0].alternate is None


def test_alternates_chain_and_a_missing_one_is_said() -> None:
    t = (
        Wiring()
        .exchange("x", "direct", alternate_exchange="ae1")
        .exchange("ae1", "direct", alternate_exchange="ae2")
        .exchange("ae2", "fanout")
        .exchange("y", "direct", alternate_exchange="gone")
        .bind("ae2", "last")
        .topology()
    )
    assert reached(t, "x", "k") == {"last"}
    route = trace(t, "y", "k")
    assert not route.routed
    assert route.visits[0].note == "its alternate exchange 'gone' does not exist"


def test_alternate_exchange_pointing_back_ends() -> None:
    t = (
        Wiring()
        .exchange("x", "direct", alternate_exchange="y")
        .exchange("y", "direct", alternate_exchange="x")
        .topology()
    )
    route = trace(t, "x", "k")
    assert not route.routed
    assert [v.exchange for v in route.visits] == ["x", "y"]


def test_default_exchange_routes_to_the_queue_named_by_the_key() -> None:
    t = Wiring().queue("orders").topology()
    assert reached(t, "", "orders") == {"orders"}
    assert reached(t, "", "missing") == set()


def test_internal_exchange_refuses_publishes_but_passes_messages_on() -> None:
    t = (
        Wiring()
        .exchange("front", "fanout")
        .exchange("inner", "fanout", internal=True)
        .bind_exchange("front", "inner")
        .bind("inner", "q")
        .topology()
    )
    assert reached(t, "front", "k") == {"q"}
    refused = trace(t, "inner", "k")
    assert refused.refusal == "internal" and not refused.routed


def test_unknown_exchange_is_a_refusal() -> None:
    assert trace(Wiring().topology(), "nope", "k").refusal == "no_exchange"


def test_cc_and_bcc_add_routing_keys() -> None:
    t = Wiring().exchange("x", "direct").bind("x", "a", "a").bind("x", "b", "b").topology()
    assert reached(t, "x", "a", CC=["b"]) == {"a", "b"}
    assert reached(t, "x", "none", BCC=["a"]) == {"a"}
    assert reached(t, "", "a", CC=["b"]) == {"a", "b"}


def test_a_plugin_exchange_type_is_said_untraceable() -> None:
    t = (
        Wiring()
        .exchange("x", "fanout")
        .exchange("hash", "x-consistent-hash", alternate_exchange="ae")
        .exchange("ae", "fanout")
        .bind_exchange("x", "hash")
        .bind("hash", "q", "10")
        .bind("ae", "aq")
        .topology()
    )
    route = trace(t, "x", "k")
    assert route.untraceable == ("hash",) and not route.complete
    assert not route.routed  # neither guessed, nor handed to the alternate
