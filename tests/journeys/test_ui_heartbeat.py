"""The journeys' heartbeat does not count a pause of the whole machine as the desk's stall."""

from __future__ import annotations

from tests.journeys import ui_heartbeat
from tests.journeys.ui_heartbeat import Gap, _least_stolen


def test_only_time_every_cpu_lost_counts_as_a_machine_pause() -> None:
    ticks = ui_heartbeat._CLOCK_TICKS
    quarter = ticks // 4
    assert _least_stolen([100, 200], [100 + quarter, 200 + 2 * quarter]) == quarter / ticks
    assert (
        _least_stolen([100, 200], [100, 200 + ticks]) == 0.0
    )  # one CPU: the UI may be on the other
    assert _least_stolen([], [1, 2]) == 0.0  # no /proc/stat before


def test_a_gap_less_its_run_queue_wait_and_machine_pause_is_the_desks() -> None:
    gap = Gap(0.3, 0.001, 0.02, 0.0, "a move", stolen_seconds=0.25)
    assert abs(gap.desk_seconds - 0.03) < 1e-9
    assert Gap(0.1, 0.0, 0.0, 0.0, "idle", stolen_seconds=0.5).desk_seconds == 0.0
