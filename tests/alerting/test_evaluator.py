"""The alert state machine: fires after the hold time, clears, keeps quiet without enough data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opsdesk.alerting.evaluator import (
    STALE_SECONDS,
    AlertEvaluator,
    AlertTransition,
    EndReason,
    OpenAlert,
    Outcomes,
    StatsInputs,
    needed_outcomes,
)
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config.alert_rules import AlertRule, RuleKind

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
NO_STATS = StatsInputs()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def sample(
    queue: str, ready: int, consumers: int = 1, unacked: int = 0, taken_at: str = ""
) -> dict[str, QueueSample]:
    return {
        queue: QueueSample(
            taken_at,
            "/",
            queue,
            ready,
            unacked,
            consumers,
            None,
            None,
            None,
            queue.endswith(".dlq"),
            "amqp",
        )
    }


def states(transitions: list[AlertTransition]) -> list[tuple[str, str]]:
    return [(t.state, t.subject) for t in transitions]


def test_queue_depth_fires_only_after_holding_for_its_time_then_clears() -> None:
    rule = AlertRule("backlog", RuleKind.QUEUE_DEPTH, "orders", threshold=100, for_seconds=60)
    evaluator = AlertEvaluator([rule])
    assert evaluator.evaluate(at(0), sample("orders", 150), NO_STATS) == []
    assert evaluator.evaluate(at(30), sample("orders", 170), NO_STATS) == []
    fired = evaluator.evaluate(at(60), sample("orders", 180), NO_STATS)
    assert states(fired) == [("fired", "orders")]
    assert (fired[0].value, fired[0].threshold, fired[0].at, fired[0].rule) == (
        180,
        100,
        at(60),
        rule,
    )
    assert "180 messages ready, above 100 for 60 s" in fired[0].message

    assert evaluator.evaluate(at(65), sample("orders", 190), NO_STATS) == []
    (active,) = evaluator.active
    assert (active.since, active.value) == (at(60), 190)  # the banner shows the latest value

    cleared = evaluator.evaluate(at(70), sample("orders", 100), NO_STATS)
    assert states(cleared) == [("cleared", "orders")]
    assert cleared[0].value == 100
    assert evaluator.active == ()


def test_a_dip_below_the_threshold_restarts_the_hold_timer() -> None:
    rule = AlertRule("backlog", RuleKind.QUEUE_DEPTH, "orders", threshold=100, for_seconds=60)
    evaluator = AlertEvaluator([rule])
    evaluator.evaluate(at(0), sample("orders", 150), NO_STATS)
    evaluator.evaluate(at(50), sample("orders", 10), NO_STATS)
    assert evaluator.evaluate(at(70), sample("orders", 150), NO_STATS) == []
    assert evaluator.evaluate(at(129), sample("orders", 150), NO_STATS) == []
    assert states(evaluator.evaluate(at(130), sample("orders", 150), NO_STATS)) == [
        ("fired", "orders")
    ]


def test_rules_without_a_queue_watch_every_fitting_queue() -> None:
    depth = AlertRule("any backlog", RuleKind.QUEUE_DEPTH, threshold=5)
    dead = AlertRule("dead letters", RuleKind.DEAD_LETTERS)
    idle = AlertRule("idle", RuleKind.NO_CONSUMERS)
    evaluator = AlertEvaluator([depth, dead, idle])
    samples = {
        **sample("orders", 9, consumers=0),
        **sample("refunds", 1),
        **sample("orders.dlq", 0, consumers=0, unacked=2),
    }
    fired = evaluator.evaluate(at(0), samples, NO_STATS)
    assert [(t.rule.name, t.subject) for t in fired] == [
        ("any backlog", "orders"),
        ("dead letters", "orders.dlq"),  # two unacked count too
        ("idle", "orders"),  # a dead-letter queue without consumers is normal
    ]


def test_dead_letter_growth_compares_with_the_depth_a_window_ago() -> None:
    rule = AlertRule("dlq growing", RuleKind.DEAD_LETTERS, "orders.dlq", growing=True,
                     window_seconds=60)  # fmt: skip
    evaluator = AlertEvaluator([rule])
    assert evaluator.evaluate(at(0), sample("orders.dlq", 5), NO_STATS) == []
    fired = evaluator.evaluate(at(30), sample("orders.dlq", 7), NO_STATS)
    assert states(fired) == [("fired", "orders.dlq")]
    assert "grew from 5 to 7" in fired[0].message
    assert evaluator.evaluate(at(60), sample("orders.dlq", 7), NO_STATS) == []  # 7 > 5 (at 0 s)
    # At 100 s the reference is the 60 s sample (7): no longer growing.
    assert states(evaluator.evaluate(at(100), sample("orders.dlq", 7), NO_STATS)) == [
        ("cleared", "orders.dlq")
    ]


def test_success_rate_needs_its_minimum_sample_count() -> None:
    rule = AlertRule(
        "rate", RuleKind.SUCCESS_RATE, threshold=90, window_seconds=600, min_samples=20
    )
    key = (600.0, None)
    assert needed_outcomes([rule]) == {key}
    evaluator = AlertEvaluator([rule])

    def rate(succeeded: int, failed: int, seconds: float) -> list[AlertTransition]:
        return evaluator.evaluate(at(seconds), {}, StatsInputs({key: Outcomes(succeeded, failed)}))

    assert rate(5, 10, 0) == []  # 33 %, but only 15 outcomes
    fired = rate(50, 50, 5)
    assert states(fired) == [("fired", "overall")]
    assert (fired[0].value, fired[0].threshold) == (50.0, 90)
    expected = "success rate 50.0% over 10 min (50 of 100 attempts failed), below 90%"
    assert expected in fired[0].message
    assert rate(89, 11, 10) == []
    assert states(rate(95, 5, 15)) == [("cleared", "overall")]
    assert evaluator.evaluate(at(20), {}, NO_STATS) == []  # not measured: no change


def test_silence_fires_after_minutes_without_events() -> None:
    rule = AlertRule("quiet", RuleKind.SILENCE, for_seconds=600)
    evaluator = AlertEvaluator([rule])
    assert evaluator.evaluate(at(300), {}, StatsInputs(last_event_at=at(0))) == []
    fired = evaluator.evaluate(at(600), {}, StatsInputs(last_event_at=at(0)))
    assert states(fired) == [("fired", "events")]
    assert fired[0].message == "no events received for 10 min"
    assert states(evaluator.evaluate(at(660), {}, StatsInputs(last_event_at=at(650)))) == [
        ("cleared", "events")
    ]
    # An empty history counts from the first evaluation.
    fresh = AlertEvaluator([rule])
    assert fresh.evaluate(at(0), {}, NO_STATS) == []
    assert states(fresh.evaluate(at(600), {}, NO_STATS)) == [("fired", "events")]


def test_consumers_dropping_to_zero_for_a_while() -> None:
    rule = AlertRule("no workers", RuleKind.NO_CONSUMERS, "orders", for_seconds=30)
    evaluator = AlertEvaluator([rule])
    assert evaluator.evaluate(at(0), sample("orders", 0, consumers=2), NO_STATS) == []
    assert evaluator.evaluate(at(10), sample("orders", 0, consumers=0), NO_STATS) == []
    assert states(evaluator.evaluate(at(40), sample("orders", 0, consumers=0), NO_STATS)) == [
        ("fired", "orders")
    ]
    cleared = evaluator.evaluate(at(45), sample("orders", 0, consumers=1), NO_STATS)
    assert cleared[0].message == "orders has 1 consumer again"


def test_an_unreported_queue_keeps_its_state_until_it_goes_stale() -> None:
    rule = AlertRule("backlog", RuleKind.QUEUE_DEPTH, "orders", threshold=0)
    evaluator = AlertEvaluator([rule])
    assert states(evaluator.evaluate(at(0), sample("orders", 3), NO_STATS)) == [("fired", "orders")]
    assert evaluator.evaluate(at(100), {}, NO_STATS) == []
    assert len(evaluator.active) == 1
    stale = evaluator.evaluate(at(STALE_SECONDS), {}, NO_STATS)
    assert states(stale) == [("cleared", "orders")]
    assert "no longer reported" in stale[0].message
    assert stale[0].end_reason is EndReason.NOT_REPORTED


def test_changing_or_removing_a_rule_clears_its_alerts() -> None:
    backlog = AlertRule("backlog", RuleKind.QUEUE_DEPTH, "orders", threshold=0)
    idle = AlertRule("idle", RuleKind.NO_CONSUMERS, "orders")
    evaluator = AlertEvaluator([backlog, idle])
    evaluator.evaluate(at(0), sample("orders", 3, consumers=0), NO_STATS)
    assert len(evaluator.active) == 2
    stricter = AlertRule("backlog", RuleKind.QUEUE_DEPTH, "orders", threshold=10)
    cleared = evaluator.set_rules([stricter, idle], at(5))
    assert [(t.state, t.rule) for t in cleared] == [("cleared", backlog)]
    assert cleared[0].end_reason is EndReason.RULE_CHANGED
    assert [a.rule for a in evaluator.active] == [idle]
    assert evaluator.evaluate(at(6), sample("orders", 3, consumers=0), NO_STATS) == []


def test_disabled_rules_never_fire() -> None:
    rule = AlertRule("backlog", RuleKind.QUEUE_DEPTH, "orders", threshold=0, enabled=False)
    assert AlertEvaluator([rule]).evaluate(at(0), sample("orders", 3), NO_STATS) == []


BACKLOG = AlertRule("backlog", RuleKind.QUEUE_DEPTH, "orders", threshold=100, for_seconds=60)


def test_stale_figures_neither_fire_nor_clear_and_the_alert_says_since_when() -> None:
    evaluator = AlertEvaluator([BACKLOG])
    old = "2025-03-10T12:01:10.000Z"  # at(70)
    evaluator.evaluate(at(0), sample("orders", 150), NO_STATS)
    # Stale past the hold time: not fired on figures nobody can vouch for.
    assert evaluator.evaluate(at(90), {}, NO_STATS, sample("orders", 150, taken_at=old)) == []
    assert evaluator.active == ()
    # Fresh again: the hold time starts over.
    assert evaluator.evaluate(at(100), sample("orders", 150), NO_STATS) == []
    assert states(evaluator.evaluate(at(160), sample("orders", 150), NO_STATS)) == [
        ("fired", "orders")
    ]
    # Stale for far longer than STALE_SECONDS: the alert stays, marked with its figures' time.
    for seconds in (200, 400, 2000):
        stale = sample("orders", 150, taken_at="2025-03-10T12:02:40.000Z")
        assert evaluator.evaluate(at(seconds), {}, NO_STATS, stale) == []
    (active,) = evaluator.active
    assert active.stale_since == at(160) and active.since == at(160)
    # Fresh figures below the threshold: it cleared somewhere while nobody could see.
    cleared = evaluator.evaluate(at(2005), sample("orders", 10), NO_STATS)
    assert states(cleared) == [("cleared", "orders")]
    assert cleared[0].end_reason is EndReason.UNWATCHED and cleared[0].at == at(2005)


def test_fresh_figures_that_still_hold_make_a_stale_alert_current_again() -> None:
    evaluator = AlertEvaluator([BACKLOG])
    evaluator.evaluate(at(0), sample("orders", 150), NO_STATS)
    evaluator.evaluate(at(60), sample("orders", 150), NO_STATS)
    evaluator.evaluate(at(90), {}, NO_STATS, sample("orders", 150, taken_at="bad"))
    assert evaluator.active[0].stale_since == at(90)  # an unreadable time: now
    assert evaluator.evaluate(at(95), sample("orders", 170), NO_STATS) == []
    (active,) = evaluator.active
    assert (active.stale_since, active.value, active.since) == (None, 170, at(60))


def open_alert(rule: str = "backlog", kind: str = "queue_depth") -> OpenAlert:
    return OpenAlert(rule, kind, "orders", at(-600), at(-300), 150.0, 100.0, "orders: 150 ready")


def test_an_alert_left_open_resumes_and_goes_on_if_it_still_holds() -> None:
    evaluator = AlertEvaluator([BACKLOG])
    assert evaluator.resume([open_alert()], at(0)) == []
    (active,) = evaluator.active
    assert (active.since, active.stale_since, active.rule) == (at(-600), at(-300), BACKLOG)
    assert evaluator.evaluate(at(5), sample("orders", 180), NO_STATS) == []  # same alert
    (active,) = evaluator.active
    assert (active.since, active.stale_since, active.value) == (at(-600), None, 180)
    assert evaluator.resume([open_alert()], at(6)) == []  # twice is once


def test_an_alert_left_open_that_cleared_meanwhile_ends_as_unwatched() -> None:
    evaluator = AlertEvaluator([BACKLOG])
    evaluator.resume([open_alert()], at(0))
    cleared = evaluator.evaluate(at(5), sample("orders", 3), NO_STATS)
    assert states(cleared) == [("cleared", "orders")]
    assert (cleared[0].end_reason, cleared[0].at) == (EndReason.UNWATCHED, at(5))


def test_an_alert_left_open_whose_rule_is_gone_ends_as_rule_changed() -> None:
    evaluator = AlertEvaluator([BACKLOG])
    ended = evaluator.resume([open_alert("old rule"), open_alert(kind="no_consumers")], at(0))
    assert [(t.state, t.rule.name, t.end_reason) for t in ended] == [
        ("cleared", "old rule", EndReason.RULE_CHANGED),
        ("cleared", "backlog", EndReason.RULE_CHANGED),
    ]
    assert evaluator.active == ()
