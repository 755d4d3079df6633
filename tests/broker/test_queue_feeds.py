"""Why a queue receives nothing: every way in, over hand-made topologies (pure: no broker)."""

from __future__ import annotations

from opsdesk.broker.queue_feeds import queue_feeds
from opsdesk.broker.route_tracer import trace
from tests.broker.wiring import Wiring


def ways_in(feeds) -> list[tuple[tuple[str, ...], str | None, bool]]:  # type: ignore[no-untyped-def]
    return [(p.path.exchanges, p.example_key, p.possible) for p in feeds.paths]


def test_an_unbound_queue_has_only_the_default_exchange() -> None:
    feeds = queue_feeds(Wiring().queue("lonely").topology(), "lonely")
    assert feeds.found and not feeds.has_bindings
    assert ways_in(feeds) == [(("",), "lonely", True)]


def test_paths_through_exchanges_with_a_key_that_passes_them() -> None:
    topology = (
        Wiring()
        .exchange("events", "topic")
        .exchange("payments", "topic")
        .bind_exchange("events", "payments", "payment.#")
        .bind("payments", "failed", "#.failed")
        .topology()
    )
    feeds = queue_feeds(topology, "failed")
    assert ways_in(feeds) == [
        (("",), "failed", True),
        (("payments",), "failed", True),
        (("events", "payments"), "payment.failed", True),
    ]
    # The example keys are real: published there, they reach the queue.
    for path in feeds.paths:
        assert "failed" in trace(topology, path.path.start, path.example_key or "").queue_names


def test_a_path_no_key_can_take_is_said() -> None:
    topology = (
        Wiring()
        .exchange("orders", "direct")
        .exchange("payments", "topic")
        .bind_exchange("orders", "payments", "order.created")
        .bind("payments", "refunds", "payment.refunded")
        .topology()
    )
    paths = {p.path.exchanges: p for p in queue_feeds(topology, "refunds").paths}
    assert not paths[("orders", "payments")].possible  # order.created is never payment.refunded
    assert paths[("payments",)].example_key == "payment.refunded"


def test_internal_exchanges_are_passed_through_not_started_from() -> None:
    topology = (
        Wiring()
        .exchange("front", "fanout")
        .exchange("inner", "topic", internal=True)
        .bind_exchange("front", "inner")
        .bind("inner", "q", "a.*")
        .topology()
    )
    feeds = queue_feeds(topology, "q")
    assert [p.path.exchanges for p in feeds.paths] == [("",), ("front", "inner")]
    assert feeds.paths[1].example_key == "a.x"


def test_alternate_exchanges_and_headers_are_marked() -> None:
    topology = (
        Wiring()
        .exchange("main", "direct", alternate_exchange="ae")
        .exchange("ae", "headers")
        .bind("ae", "q", "", **{"x-match": "any", "kind": "refund"})
        .topology()
    )
    path = queue_feeds(topology, "q").paths[-1]
    assert path.path.exchanges == ("main", "ae")
    assert path.through_alternate and path.any_key
    assert path.headers_bindings == ({"x-match": "any", "kind": "refund"},)


def test_cycles_end_and_dead_letters_are_traced_back() -> None:
    w = (
        Wiring()
        .exchange("a", "fanout")
        .exchange("b", "fanout")
        .bind_exchange("a", "b")
        .bind_exchange("b", "a")
        .bind("b", "q")
    )
    w.queue("work", dead_letter_exchange="a", dead_letter_from="policy")
    feeds = queue_feeds(w.topology(), "q")
    assert [p.path.exchanges for p in feeds.paths] == [("",), ("b",), ("a", "b")]
    assert feeds.paths[2].dead_lettered_from == ("work",)


def test_unknown_queue() -> None:
    assert not queue_feeds(Wiring().topology(), "nope").found
