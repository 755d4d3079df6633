"""`opsdesk route` against the real broker's management API: the queues and the path to each,
exit 1 with the reason when none, one plain line when it cannot tell."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from opsdesk.commands import route
from opsdesk.config import Profile
from tests.commands.conftest import Ran, run_command
from tests.conftest import BrokerObjects
from tests.monitor_profile import broker_url_at, closed_port, monitor_profile

pytestmark = pytest.mark.broker


def run(*argv: str, profile: Profile | None = None) -> Ran:
    return run_command(
        route, *argv, profile=profile or monitor_profile(), history=Path("unused.sqlite")
    )


@pytest.fixture
def payments(broker: BrokerObjects, unique_name: str) -> str:
    """events (topic) -[payment.#]-> audit (fanout) -> audit.q; events -[payment.failed]->
    failed.q. Returns the name prefix."""
    events = broker.exchange(f"{unique_name}.events", "topic")
    audit = broker.exchange(f"{unique_name}.audit", "fanout")
    broker.channel.exchange_bind(audit, events, "payment.#")
    broker.channel.queue_bind(broker.queue(f"{unique_name}.audit.q"), audit, "")
    broker.channel.queue_bind(broker.queue(f"{unique_name}.failed.q"), events, "payment.failed")
    return unique_name


def test_the_queues_reached_and_the_path_to_each(payments: str) -> None:
    ran = run("--exchange", f"{payments}.events", "--routing-key", "payment.failed")

    assert ran.code == 0, ran.err
    assert "reaches 2 queues:" in ran.out
    assert (
        f"{payments}.events -[payment.#]-> {payments}.audit -[fanout]-> {payments}.audit.q"
        in ran.out
    )
    assert f"{payments}.events -[payment.failed]-> {payments}.failed.q" in ran.out


def test_json_for_scripts(payments: str) -> None:
    ran = run("--exchange", f"{payments}.events", "--routing-key", "payment.ok", "--json")

    assert ran.code == 0, ran.err
    document = json.loads(ran.out)
    assert document["routed"] is True and document["vhost"] == "/"
    (reached,) = document["queues"]
    assert reached["queue"] == f"{payments}.audit.q"
    assert [hop["binding_key"] for hop in reached["paths"][0]["hops"]] == ["payment.#", ""]


def test_reaching_no_queue_exits_1_and_says_there_is_no_alternate(payments: str) -> None:
    ran = run("--exchange", f"{payments}.events", "--routing-key", "order.created")

    assert ran.code == 1
    assert "reaches no queue" in ran.out
    assert "no alternate exchange" in ran.out


def test_reaching_no_queue_names_the_alternate_that_routed_nowhere(
    broker: BrokerObjects, unique_name: str
) -> None:
    ae = broker.exchange(f"{unique_name}.ae", "direct")
    main = f"{unique_name}.main"
    broker.channel.exchange_declare(main, "direct", arguments={"alternate-exchange": ae})
    broker.exchanges.append(main)

    ran = run("--exchange", main, "--routing-key", "k", "--json")

    assert ran.code == 1
    assert (
        f"its alternate exchange '{ae}' routes it nowhere either"
        in json.loads(ran.out)["explanation"]
    )


def test_headers_are_matched(broker: BrokerObjects, unique_name: str) -> None:
    exchange = broker.exchange(f"{unique_name}.h", "headers")
    queue = broker.queue(f"{unique_name}.refunds")
    broker.channel.queue_bind(
        queue, exchange, "", arguments={"x-match": "all", "kind": "refund", "n": 2}
    )

    matching = run("--exchange", exchange, "--header", "kind=refund", "--header", "n:=2")
    wrong_type = run("--exchange", exchange, "--header", "kind=refund", "--header", "n=2")

    assert matching.code == 0 and f"-[x-match=all kind=refund n=2]-> {queue}" in matching.out
    assert wrong_type.code == 1  # "2" is not 2 to the broker either


def test_the_default_exchange(broker: BrokerObjects, unique_name: str) -> None:
    queue = broker.queue(unique_name)
    assert run("--exchange", "", "--routing-key", queue).code == 0
    missing = run("--exchange", "", "--routing-key", f"{unique_name}.none")
    assert missing.code == 1 and "No queue is named" in missing.out


def test_unknown_exchange_is_one_line_with_a_suggestion(payments: str) -> None:
    ran = run("--exchange", f"{payments}.event", "--routing-key", "k")

    assert ran.code == 2 and ran.out == ""
    assert ran.err == (
        f"opsdesk: exchange '{payments}.event' does not exist in vhost '/' "
        f"(did you mean '{payments}.events'?)\n"
    )


def test_unreachable_api_is_one_line() -> None:
    profile = monitor_profile(url=broker_url_at(closed_port()), api=False)
    ran = run("--exchange", "x", profile=profile)
    assert ran.code == 2 and ran.out == ""
    assert ran.err.startswith("opsdesk: Nothing answers at http://127.0.0.1:")
    assert len(ran.err.splitlines()) == 1


def test_unknown_vhost_is_one_line() -> None:
    ran = run("--exchange", "x", "--vhost", "no-such-vhost")
    assert (ran.code, ran.err) == (2, "opsdesk: vhost 'no-such-vhost' does not exist\n")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("kind=refund", ("kind", "refund")),
        ("a=b=c", ("a", "b=c")),
        ("n:=3", ("n", 3)),
        ('CC:=["x.y"]', ("CC", ["x.y"])),
        ("empty=", ("empty", "")),
    ],
)
def test_header_option(text: str, parsed: tuple[str, object]) -> None:
    assert route.header_option(text) == parsed


@pytest.mark.parametrize("text", ["novalue", "=v", "n:=not json"])
def test_bad_header_option(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        route.header_option(text)


def test_into_lists_every_way_in_with_a_key(payments: str) -> None:
    ran = run("--into", f"{payments}.audit.q")

    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert (
        lines[0]
        == f"'{payments}.audit.q' has 1 binding; a message reaches it by one of these ways:"
    )
    assert (
        f"  {payments}.events -[payment.#]-> {payments}.audit -[fanout]-> {payments}.audit.q"
        "  (e.g. routing key 'payment')" in lines
    )


def test_into_says_when_no_key_can_pass(broker: BrokerObjects, unique_name: str) -> None:
    orders = broker.exchange(f"{unique_name}.orders", "direct")
    payments = broker.exchange(f"{unique_name}.payments", "topic")
    broker.channel.exchange_bind(payments, orders, "order.created")
    broker.channel.queue_bind(broker.queue(f"{unique_name}.refunds"), payments, "payment.refunded")

    document = json.loads(run("--into", f"{unique_name}.refunds", "--json").out)

    by_start = {path["path"]["hops"][0]["source"]: path for path in document["paths"]}
    assert by_start[orders]["example_key"] is None
    assert "no routing key passes every binding on it" in by_start[orders]["text"]
    assert by_start[payments]["example_key"] == "payment.refunded"


def test_dead_letters_follow_the_chain(broker: BrokerObjects, unique_name: str) -> None:
    dlx = broker.exchange(f"{unique_name}.dlx", "direct")
    work = broker.queue(f"{unique_name}.work", **{"x-dead-letter-exchange": dlx})
    dlq = broker.queue(f"{unique_name}.dlq")
    broker.channel.queue_bind(dlq, dlx, "payment.failed")

    known = run("--dead-letters", work, "--routing-key", "payment.failed")
    unknown = run("--dead-letters", work)
    none = run("--dead-letters", dlq)

    assert known.code == 0, known.err
    assert (
        f"  {work} -> '{dlx}' (queue argument) by the message's key 'payment.failed' -> {dlq}"
        in known.out.splitlines()
    )
    assert "by the message's own key (not known) -> may reach" in unknown.out
    assert "has no dead-letter exchange" in none.out


def test_into_or_dead_letters_of_a_missing_queue_is_one_line(unique_name: str) -> None:
    for option in ("--into", "--dead-letters"):
        ran = run(option, f"{unique_name}.nope")
        assert (ran.code, ran.out) == (2, "")
        assert ran.err == f"opsdesk: queue '{unique_name}.nope' does not exist in vhost '/'\n"
