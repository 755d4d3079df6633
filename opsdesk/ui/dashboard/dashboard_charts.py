"""Turning queue tracks and statistics into the dashboard's curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from opsdesk.events.model import Status
from opsdesk.store.statistics.values import (
    Breakdown,
    CodeSeries,
    CountBasis,
    RateSeries,
    StatusSeries,
)
from opsdesk.ui.dashboard.basis_text import COUNTED, basis_title
from opsdesk.ui.dashboard.chart_style import STATUS_COLOURS, series_colour
from opsdesk.ui.dashboard.dashboard_data import DashboardSnapshot
from opsdesk.ui.dashboard.queue_tracks import QueueTracks
from opsdesk.ui.dashboard.time_chart import (
    SeriesStyle,
    TimeChart,
    percent_text,
    rate_text,
)

OVERALL_NAME = "overall"
_OVERALL_IN_BREAKDOWN = SeriesStyle("#7a7a7a", dashed=True)
# Succeeded and failed are always drawn, so a quiet minute shows as zero rather than nothing.
_ALWAYS_DRAWN = (Status.SUCCEEDED, Status.FAILED)


def draw_queue_depth(chart: TimeChart, tracks: QueueTracks) -> None:
    """Ready (solid) and unacked (dashed, same colour) per queue."""
    names: list[str] = []
    for queue, track in tracks.tracks.items():
        colour = series_colour(tracks.slot(queue))
        label = f"{queue} (DLQ)" if track.is_dead_letter else queue
        ready_name = f"{label} ready"
        chart.set_series(ready_name, track.xs, track.ready, SeriesStyle(colour, legend=label))
        names.append(ready_name)
        unacked = track.unacked
        # All-unknown (passive declares) or all-zero (e.g. a dead-letter queue) says nothing.
        if np.isfinite(unacked).any() and np.nanmax(unacked) > 0:
            unacked_name = f"{label} unacked"
            style = SeriesStyle(colour, dashed=True, legend=None)
            chart.set_series(unacked_name, track.xs, unacked, style)
            names.append(unacked_name)
    chart.retain(names)


def per_minute(counts: Sequence[int], starts: np.ndarray, bucket: int, now: float) -> np.ndarray:
    """Counts per bucket as events per minute; the bucket still filling counts its elapsed part."""
    elapsed = np.clip(now - starts, 1.0, float(bucket))
    return np.asarray(counts, dtype=float) * 60.0 / elapsed


def draw_throughput(chart: TimeChart, series: StatusSeries, now: float) -> None:
    """Events per minute, one line per status seen in the window."""
    starts = np.asarray(series.bucket_starts, dtype=float)
    bucket = series.window.bucket_seconds
    names: list[str] = []
    for status in Status:
        counts = series.by_status.get(status.value)
        if counts is None or (status not in _ALWAYS_DRAWN and not any(counts)):
            continue
        ys = per_minute(counts, starts, bucket, now)
        chart.set_series(status.value, starts, ys, SeriesStyle(STATUS_COLOURS[status]))
        names.append(status.value)
    chart.retain(names)


def draw_success_rates(
    chart: TimeChart, rates: Sequence[RateSeries], basis: CountBasis = CountBasis.PAYMENT
) -> None:
    """Success rate in percent: overall alone, or overall (grey) beside each breakdown value."""
    chart.set_y_label(f"% of {COUNTED[basis]}", percent_text)
    names: list[str] = []
    breakdown = len(rates) > 1
    for index, rate in enumerate(rates):
        starts = np.asarray(rate.bucket_starts, dtype=float)
        ys = np.array([np.nan if r is None else r * 100.0 for r in rate.success_rate])
        if rate.selector.dimension is None:
            name = OVERALL_NAME
            style = _OVERALL_IN_BREAKDOWN if breakdown else SeriesStyle(series_colour(0))
        else:
            name = rate.selector.value or "(none)"
            style = SeriesStyle(series_colour(index - 1))
        chart.set_series(name, starts, ys, style)
        names.append(name)
    chart.retain(names)


def draw_failure_codes(chart: TimeChart, codes: CodeSeries, now: float) -> None:
    """Failures per minute by error code, most frequent code first."""
    chart.set_y_label(f"failed {COUNTED[codes.basis]} / min", rate_text)
    starts = np.asarray(codes.bucket_starts, dtype=float)
    bucket = codes.window.bucket_seconds
    names: list[str] = []
    for index, (code, counts) in enumerate(codes.by_code.items()):
        chart.set_series(
            code, starts, per_minute(counts, starts, bucket, now), SeriesStyle(series_colour(index))
        )
        names.append(code)
    chart.retain(names)


def draw_success(chart: TimeChart, snapshot: DashboardSnapshot) -> None:
    """The success-rate chart as the snapshot's breakdown asks: rates, or failure codes."""
    basis = snapshot.query.basis
    if snapshot.codes is not None:
        draw_failure_codes(chart, snapshot.codes, snapshot.query.now.timestamp())
        chart.set_title(f"Failures by error code, {basis_title(basis)}")
        return
    draw_success_rates(chart, snapshot.rates, basis)
    breakdown = snapshot.query.breakdown
    if breakdown is Breakdown.OVERALL:
        chart.set_title(f"Success rate {basis_title(basis)}")
    else:
        label = breakdown.value.replace("_", " ")
        chart.set_title(f"Success rate {basis_title(basis)}, per {label} (most failures first)")
