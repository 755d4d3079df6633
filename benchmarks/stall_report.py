"""What benchmarks/ui_stall.py prints: each phase's figures, its long gaps, the headline."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from stall_heartbeat import LongGap, Summary

TARGET_MS = 50.0


@dataclass(frozen=True)
class PhaseResult:
    name: str
    seconds: float
    events: int
    summary: Summary

    def text(self) -> str:
        rate = f"{self.events / self.seconds:7,.0f} events/s" if self.events else " " * 16
        return f"  {self.name:9} {self.seconds:6.1f} s {rate} | {self.summary.text()}"


def report_long_gaps(gaps: list[LongGap], top: int = 4) -> None:
    """Each phase's longest gaps over 50 ms, with what the samples found."""
    for phase in ("baseline", "ingest", "interact"):
        worst = sorted((g for g in gaps if g.phase == phase), key=lambda g: -g.tick.seconds)
        if not worst:
            continue
        print(f"  {phase}: {len(worst)} gaps over 50 ms; the longest, with sampled causes:")
        for gap in worst[:top]:
            t = gap.tick
            print(
                f"    {t.seconds * 1000:6.1f} ms ({gap.doing}): UI thread on CPU "
                f"{gap.cpu_seconds * 1000:.0f} ms, runnable but waiting for a core "
                f"{t.queued_seconds * 1000:.0f} ms, blocked (GIL, I/O) "
                f"{gap.blocked_seconds * 1000:.0f} ms"
            )
            for line in gap.causes():
                print(f"      {line}")


def headline(rounds: list[list[PhaseResult]]) -> None:
    """Issue 15's line, then the same figures with a user at work and for the baseline."""

    def worst(name: str) -> tuple[float, float, float, float] | None:
        got = [r for results in rounds for r in results if r.name == name]
        if not got:
            return None
        return (
            max(r.summary.longest_ms for r in got),
            statistics.median(r.summary.p99_ms for r in got),
            max(r.summary.desk_longest_ms for r in got),
            statistics.median(r.events / r.seconds for r in got),
        )

    lines = [
        ("ingest", "longest UI-thread stall while ingesting"),
        ("interact", "  ... while ingesting, the user interacting"),
        ("baseline", "  baseline (same run, nothing to ingest)"),
    ]
    for name, label in lines:
        figures = worst(name)
        if figures is None:
            continue
        longest, p99, desk, rate = figures
        target = f" (target < {TARGET_MS:.0f} ms)" if name == "ingest" else ""
        speed = f"; {rate:,.0f} events/s stored" if rate else ""
        print(
            f"{label}: {longest:.1f} ms{target}; p99 {p99:.1f} ms "
            f"[the desk's own share: longest {desk:.1f} ms]{speed}"
        )
