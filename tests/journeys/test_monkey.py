"""A seeded monkey soak: random UI moves on the whole desk while the simulator publishes.

It fails on any crash report (the crash dialog's content), ERROR log or critical message box,
and on a UI-thread stall over 200 ms, measured by a 20 ms heartbeat timer. 60 s with a fixed
seed in the suite; OPSDESK_MONKEY_SECONDS and OPSDESK_MONKEY_SEED choose a longer run or
another walk (the seed is in every failure message: set it to replay the same choices).
"""

from __future__ import annotations

import faulthandler
import os
import random
import time

import pytest

from tests.journeys.conftest import JourneyBroker, RunningDesk
from tests.journeys.monkey_moves import Monkey
from tests.journeys.ui_heartbeat import Gap, Heartbeat

pytestmark = pytest.mark.broker

SECONDS = float(os.environ.get("OPSDESK_MONKEY_SECONDS", "60"))
SEED = int(os.environ.get("OPSDESK_MONKEY_SEED", "20261203"))
STALL_S = 0.2
REPLAY = f"OPSDESK_MONKEY_SEED={SEED} OPSDESK_MONKEY_SECONDS={SECONDS:g}"
SHOWN_MOVES = 25


@pytest.mark.slow
@pytest.mark.timeout(SECONDS + 180)
def test_random_moves_never_crash_or_stall_the_window(
    desk: RunningDesk, journey_broker: JourneyBroker
) -> None:
    # The suite's hang watchdog allows 300 s per test; a longer soak re-arms it for itself.
    faulthandler.dump_traceback_later(SECONDS + 300, exit=True)
    topology = journey_broker.topology
    heartbeat = Heartbeat()
    monkey = Monkey(desk, random.Random(SEED), heartbeat, list(topology.queues()))
    desk.operator.wait_until(lambda: desk.window.live.model.rowCount() > 0, "events in Live")
    heartbeat.start()
    deadline = time.monotonic() + SECONDS
    try:
        while time.monotonic() < deadline:
            monkey.step()
        monkey.close_dialogs()
    except BaseException as exc:
        moves = "\n  ".join(monkey.log[-SHOWN_MOVES:])
        raise AssertionError(
            f"monkey seed {SEED} failed at move {len(monkey.log)} (replay: {REPLAY}).\n"
            f"Last moves:\n  {moves}\n{type(exc).__name__}: {exc}"
        ) from exc
    finally:
        heartbeat.stop()
        report(monkey, heartbeat)
    stalls = heartbeat.stalls(STALL_S)
    assert not stalls, (
        f"monkey seed {SEED} (replay: {REPLAY}): the UI thread stalled "
        + ", ".join(f"{gap_text(g)} during {g.during}" for g in stalls)
        + f"; {heartbeat.distribution()}"
    )
    assert len(monkey.log) > SECONDS, "fewer than one move a second"


def gap_text(gap: Gap) -> str:
    ms = {k: round(v * 1000) for k, v in vars(gap).items() if isinstance(v, float)}
    return (
        f"{ms['seconds']} ms (desk {round(gap.desk_seconds * 1000)} ms, of it UI-thread CPU "
        f"{ms['cpu_seconds']} ms; machine busy elsewhere {ms['queued_seconds']} ms; "
        f"machine paused by its hypervisor {ms['stolen_seconds']} ms)"
    )


def report(monkey: Monkey, heartbeat: Heartbeat) -> None:
    """What the soak did and how the UI thread kept up (shown with -s, or on failure)."""
    counts: dict[str, int] = {}
    for line in monkey.log:
        name = line.split(":", 1)[0]
        counts[name] = counts.get(name, 0) + 1
    print(f"\nmonkey seed {SEED}, {SECONDS:g} s: {len(monkey.log)} moves {counts}")
    print(f"combo options chosen: {len(monkey.chosen)} of {len(monkey.offered)} offered")
    print(f"heartbeat: {heartbeat.distribution()}")
    desk = sorted((g.desk_seconds for g in heartbeat.long_gaps), reverse=True)[:5]
    print(f"largest desk-only gaps: {[round(d * 1000) for d in desk]} ms")
    for gap in sorted(heartbeat.long_gaps, key=lambda g: -g.seconds)[:10]:
        print(f"  gap {gap_text(gap)} during {gap.during}")
        if gap.stack:
            print("    " + gap.stack.replace("\n", "\n    "))
    for missed in monkey.missed[:20]:
        print(f"  missed: {missed}")
