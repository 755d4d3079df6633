"""Routes in words: paths on one line and why a message reaches no queue (pure: no broker)."""

from __future__ import annotations

import pytest

from opsdesk.broker.dead_letter_chain import dead_letter_chain
from opsdesk.broker.queue_feeds import queue_feeds
from opsdesk.broker.route_text import (
    chain_lines,
    feed_text,
    feeds_summary,
    path_text,
    unrouted_text,
)
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


def test_feeds_summary() -> None:
    topology = (
        Wiring()
        .queue("lonely")
        .exchange("orders", "direct")
        .exchange("payments", "topic")
        .bind_exchange("orders", "payments", "order.created")
        .bind("orders", "shipped", "order.shipped")
        .bind("payments", "refunds", "payment.refunded")
        .topology()
    )
    lonely = feeds_summary(queue_feeds(topology, "lonely"), "/")
    assert lonely == (
        "'lonely' has no bindings: only a message published to the default exchange with "
        "routing key 'lonely' reaches it."
    )
    shipped = feeds_summary(queue_feeds(topology, "shipped"), "/")
    assert shipped == "'shipped' has 1 binding; a message reaches it by one of these ways:"
    assert feeds_summary(queue_feeds(topology, "nope"), "/") == (
        "Queue 'nope' does not exist in vhost '/'."
    )
    (through_orders,) = [
        p for p in queue_feeds(topology, "refunds").paths if p.path.start == "orders"
    ]
    assert feed_text(through_orders) == (
        "orders -[order.created]-> payments -[payment.refunded]-> refunds  "
        "(no routing key passes every binding on it)"
    )


def test_chain_lines_say_cycles_and_drops() -> None:
    w = Wiring().exchange("dlx", "fanout")
    w.queue("work", dead_letter_exchange="dlx", dead_letter_from="argument")
    w.queue("retry", dead_letter_exchange="", dead_letter_routing_key="work")
    w.queue("lost", dead_letter_exchange="gone", dead_letter_from="policy")
    w.bind("dlx", "retry")
    topology = w.topology()
    assert chain_lines(dead_letter_chain(topology, "work")) == [
        "work -> 'dlx' (queue argument) by the message's own key (not known) -> retry",
        "retry -> the default exchange (queue argument) by its dead-letter key 'work' -> work "
        "(back to 'work': a cycle, which the broker breaks by dropping a message that goes "
        "round without being rejected)",
    ]
    assert chain_lines(dead_letter_chain(topology, "lost")) == [
        "lost -> 'gone' (policy): that exchange does not exist, so its dead letters are dropped"
    ]
