"""A queue's dead-letter chain over hand-made topologies (pure: no broker)."""

from __future__ import annotations

from opsdesk.broker.dead_letter_chain import dead_letter_chain
from tests.broker.wiring import Wiring


def dead_letters(w: Wiring, queue: str, exchange: str, key: str | None = None) -> Wiring:
    return w.queue(
        queue,
        dead_letter_exchange=exchange,
        dead_letter_routing_key=key,
        dead_letter_from="argument",
    )


def test_chain_follows_each_queues_dead_letter_exchange() -> None:
    w = Wiring().exchange("dlx", "direct").exchange("dlx2", "fanout")
    dead_letters(w, "work", "dlx", "failed")
    dead_letters(w, "work.dlq", "dlx2")
    w.bind("dlx", "work.dlq", "failed").bind("dlx2", "archive")
    chain = dead_letter_chain(w.topology(), "work")
    assert [(s.queue, s.exchange, s.routing_key, s.key_from, s.queues) for s in chain.steps] == [
        ("work", "dlx", "failed", "queue", ("work.dlq",)),
        ("work.dlq", "dlx2", "failed", "message", ("archive",)),
    ]
    assert chain.ends == ("archive",)


def test_without_a_dead_letter_key_the_messages_own_key_routes() -> None:
    w = Wiring().exchange("dlx", "topic")
    dead_letters(w, "work", "dlx")
    w.bind("dlx", "payments.dlq", "payment.#").bind("dlx", "orders.dlq", "order.#")
    topology = w.topology()

    known = dead_letter_chain(topology, "work", routing_key="payment.failed")
    assert known.steps[0].queues == ("payments.dlq",)

    unknown = dead_letter_chain(topology, "work")  # the key decides, and is not known
    assert unknown.steps[0].route is None
    assert unknown.steps[0].possible_queues == ("orders.dlq", "payments.dlq")


def test_a_fanout_dead_letter_exchange_needs_no_key() -> None:
    w = Wiring().exchange("dlx", "fanout")
    dead_letters(w, "work", "dlx")
    w.bind("dlx", "dlq")
    step = dead_letter_chain(w.topology(), "work").steps[0]
    assert step.route is not None and step.queues == ("dlq",)


def test_default_exchange_as_dead_letter_exchange() -> None:
    w = Wiring().queue("parking")
    dead_letters(w, "work", "", "parking")
    assert dead_letter_chain(w.topology(), "work").steps[0].queues == ("parking",)


def test_missing_dead_letter_exchange_drops() -> None:
    w = Wiring()
    dead_letters(w, "work", "gone", "k")
    step = dead_letter_chain(w.topology(), "work").steps[0]
    assert not step.exchange_exists and step.route is None and step.queues == ()


def test_a_cycle_is_named_and_ends() -> None:
    w = Wiring().exchange("dlx", "fanout").exchange("back", "fanout")
    dead_letters(w, "work", "dlx")
    dead_letters(w, "retry", "back")
    w.bind("dlx", "retry").bind("back", "work")
    chain = dead_letter_chain(w.topology(), "work")
    assert [s.queue for s in chain.steps] == ["work", "retry"]
    assert chain.step_for("retry").returns_to == ("work",)  # type: ignore[union-attr]
    assert chain.step_for("work").returns_to == ()  # type: ignore[union-attr]


def test_converging_branches_are_no_cycle() -> None:
    w = Wiring().exchange("dlx", "fanout").exchange("a.dlx", "fanout").exchange("b.dlx", "fanout")
    dead_letters(w, "work", "dlx")
    dead_letters(w, "a", "a.dlx")
    dead_letters(w, "b", "b.dlx")
    w.bind("dlx", "a").bind("dlx", "b").bind("a.dlx", "end").bind("b.dlx", "end")
    chain = dead_letter_chain(w.topology(), "work")
    assert all(step.returns_to == () for step in chain.steps)
    assert chain.ends == ("end",)


def test_unknown_queue() -> None:
    chain = dead_letter_chain(Wiring().topology(), "nope")
    assert not chain.found and chain.steps == ()
