"""Routes in words: paths on one line and why a message reaches no queue (pure: no broker)."""

from __future__ import annotations

import pytest

from opsdesk.broker.route_text import path_text, unrouted_text
from opsdesk.broker.route_tracer import trace
from tests.broker.wiring import Wiring


def test_path_text_shows_what_each_binding_asks() -> None:
    topology = (
        Wiring()
        .exchange("in", "topic", alternate_exchange="ae")
        .exchange("ae", "headers")
        .exchange("fan", "fanout")
        .bind_exchange("ae", "fan")
        .bind("fan", "q")
        .topology()
    )
    ((path,),) = [r.paths for r in trace(topology, "in", "k").queues]
    assert path_text(path) == "in -[alternate]-> ae -[x-match=all]-> fan -[fanout]-> q"
    default = trace(topology, "", "q").queues[0].paths[0]
    assert path_text(default) == "(default) -[queue name]-> q"


@pytest.mark.parametrize(
    ("exchange", "key", "sentence"),
    [
        ("nope", "k", "Exchange 'nope' does not exist in vhost '/'."),
        ("inner", "k", "Exchange 'inner' is internal: the broker refuses messages published to it"),
        ("", "absent", "No queue is named 'absent': the default exchange delivers only to"),
        ("bare", "k", "'bare' has no bindings and no alternate exchange."),
        ("x", "b", "No binding of 'x' matches routing key 'b', and 'x' has no alternate exchange."),
        ("with.ae", "b", "No binding of 'with.ae' matches routing key 'b'; its alternate exchange"),
        ("lost.ae", "b", "its alternate exchange 'gone' does not exist."),
        ("to.empty", "a", "'to.empty' passes it on to 'empty', where nothing routes it"),
    ],
)
def test_why_nothing_is_reached(exchange: str, key: str, sentence: str) -> None:
    topology = (
        Wiring()
        .exchange("inner", "fanout", internal=True)
        .exchange("bare", "direct")
        .exchange("x", "direct")
        .bind("x", "q", "a")
        .exchange("with.ae", "direct", alternate_exchange="x")
        .bind("with.ae", "q", "a")
        .exchange("lost.ae", "direct", alternate_exchange="gone")
        .bind("lost.ae", "q", "a")
        .exchange("empty", "direct")
        .exchange("to.empty", "topic")
        .bind_exchange("to.empty", "empty", "#")
        .topology()
    )
    route = trace(topology, exchange, key)
    assert not route.routed
    assert sentence in unrouted_text(route, topology)


def test_a_plugin_exchange_on_the_way_is_said_not_guessed() -> None:
    topology = Wiring().exchange("hash", "x-consistent-hash").bind("hash", "q", "10").topology()
    route = trace(topology, "hash", "k")
    assert unrouted_text(route, topology) == (
        "It goes through 'hash' (x-consistent-hash), a plugin's exchange type that chooses "
        "among its bindings itself: where it goes from there cannot be traced."
    )
