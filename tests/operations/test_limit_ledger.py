"""The ledger of messages left at their delivery limit, and how a stop is worded."""

from __future__ import annotations

from opsdesk.broker.delivery_limit import ReturnCheck
from opsdesk.operations.limit_ledger import LimitLedger
from opsdesk.operations.limit_stop import LimitStop, Returned, ordinal

BROKER = "localhost:5672/"
FATE = "dead-letter it into exchange 'q.dlx'"


def returned(key: str, count: int, limit: int = 2) -> Returned:
    return Returned(key, key, ReturnCheck(count, limit, counts=True))


def test_a_message_returned_to_its_limit_is_remembered_until_taken_again() -> None:
    ledger = LimitLedger()
    ledger.record(BROKER, "q", [returned("m0", 1), returned("m1", 0)])
    (entry,) = ledger.exhausted(BROKER, "q")
    assert (entry.key, entry.count, entry.limit) == ("m0", 2, 2)
    assert entry.describe() == "m0 (delivery count 2 of 2)"
    assert ledger.exhausted(BROKER, "other") == ()
    assert ledger.exhausted("elsewhere:5672/", "q") == ()

    ledger.record(BROKER, "q", [returned("m0", 2)])  # taken again: the broker dead-lettered it
    assert ledger.exhausted(BROKER, "q") == ()


def test_a_moved_message_and_a_whole_queue_without_it_clear_the_entry() -> None:
    ledger = LimitLedger()
    ledger.record(BROKER, "q", [returned("m0", 1), returned("m1", 1)])
    ledger.record(BROKER, "q", [], taken_away=["m0"])  # acked after its copy was confirmed
    assert [e.key for e in ledger.exhausted(BROKER, "q")] == ["m1"]
    ledger.record(BROKER, "q", [returned("m2", 0)])  # a partial look proves nothing
    assert [e.key for e in ledger.exhausted(BROKER, "q")] == ["m1"]
    ledger.record(BROKER, "q", [returned("m2", 0)], whole_queue=True)
    assert ledger.exhausted(BROKER, "q") == ()


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 102, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "102nd",
        "111th",
    ]


def test_a_stop_says_which_message_which_delivery_and_what_the_broker_would_do() -> None:
    stop = LimitStop(0, returned("m-00000", 1), FATE)
    assert not stop.dead_lettered
    assert stop.describe() == (
        "stopped at message #0 (m-00000): returning it would be its 2nd delivery of a limit "
        "of 2 (x-delivery-count 1 when taken), and the next return would make the broker "
        "dead-letter it into exchange 'q.dlx'; no message after it was taken"
    )
    passed = LimitStop(7, returned("m-7", 1), FATE, passed_over=True)
    assert "#7 (m-7): it is not selected, so it goes back, and returning it" in passed.describe()


def test_a_stop_at_a_message_already_at_its_limit_says_the_broker_dead_letters_it() -> None:
    stop = LimitStop(3, returned("m-3", 2), FATE)
    assert stop.dead_lettered
    text = stop.describe()
    assert "had already been returned 2 time(s)" in text
    assert "its 3rd and makes the broker dead-letter it into exchange 'q.dlx'" in text
