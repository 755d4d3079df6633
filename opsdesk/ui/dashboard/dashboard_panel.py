"""The dashboard: tiles, queue depth, throughput and success-rate charts, stuck payments."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QWidget

from opsdesk.broker.queue_sample import MonitorState, QueueSample
from opsdesk.events.model import PaymentEvent
from opsdesk.store.errors import StoreError
from opsdesk.store.statistics.values import Breakdown, CountBasis
from opsdesk.store.statistics.windows import PRESETS
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.dashboard.chart_saver import ask_png_path, save_png
from opsdesk.ui.dashboard.custom_window_dialog import CustomWindowDialog
from opsdesk.ui.dashboard.dashboard_data import (
    DashboardQuery,
    DashboardSnapshot,
    QueueHistory,
    WindowChoice,
)
from opsdesk.ui.dashboard.dashboard_reads import (
    DashboardSources,
    compute_snapshot,
    load_payment_events,
    load_queue_history,
)
from opsdesk.ui.dashboard.dashboard_toolbar import CUSTOM
from opsdesk.ui.dashboard.dashboard_view import DashboardView
from opsdesk.ui.dashboard.monitor_bridge import MonitorBridge
from opsdesk.ui.dashboard.queue_figures import QueueFigures
from opsdesk.ui.dashboard.refresh_guard import RefreshGuard
from opsdesk.ui.dashboard.throttle import Throttle
from opsdesk.ui.message_banner import BannerLevel
from opsdesk.ui.settings import UiSettings

log = logging.getLogger(__name__)

REFRESH_INTERVAL_MS = 2000  # statistics while following: the clock moves even when idle
STATS_THROTTLE_MS = 1000  # at most one statistics request a second, however busy the tap
REDRAW_THROTTLE_MS = 250  # queue chart redraws
PAUSED = (
    "⚠ The dashboard hit a bug and stopped refreshing (see the crash report);"
    " choose another window or breakdown to try again."
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class DashboardPanel(DashboardView):
    """Reads happen on a background thread; this thread only draws what comes back."""

    payment_activated = Signal(str)  # a stuck payment chosen: the window may show it in history
    snapshot_shown = Signal(object)  # DashboardSnapshot, after it has been drawn
    queue_history_shown = Signal(object)  # QueueHistory, after it has been drawn
    # A sentence for the window's banner (a chart saved, or why not), with its BannerLevel.
    notice_posted = Signal(str, object)

    def __init__(
        self,
        db_path: Path,
        monitor: MonitorBridge | None,
        settings: UiSettings,
        *,
        clock: Callable[[], datetime] = utc_now,
        refresh_interval_ms: int = REFRESH_INTERVAL_MS,
        stats_throttle_ms: int = STATS_THROTTLE_MS,
        redraw_throttle_ms: int = REDRAW_THROTTLE_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardPanel")
        self._settings = settings
        self._clock = clock
        self._choice = WindowChoice(span=PRESETS[settings.dashboard_window_preset])
        self._preset = settings.dashboard_window_preset
        self._breakdown = settings.dashboard_breakdown
        self._basis = settings.dashboard_basis
        self._following = True
        self._guard = RefreshGuard(self._on_broken)
        self._read_problem: str | None = None
        self.snapshot: DashboardSnapshot | None = None
        self._reader: BackgroundReader[DashboardSources] = BackgroundReader(
            partial(DashboardSources, db_path),
            DashboardSources.close,
            name="dashboard-reader",
            owner=self,
        )

        self.queues = QueueFigures(self.queue_chart, self.tiles, self.monitor_note, clock, self)

        self._stats_throttle = Throttle(self._submit_snapshot, stats_throttle_ms, self)
        self._redraw_throttle = Throttle(
            partial(self._guard.run, self._redraw_queues), redraw_throttle_ms, self
        )
        self._ticker = QTimer(self)
        self._ticker.setInterval(refresh_interval_ms)
        self._ticker.timeout.connect(self._stats_throttle.request)

        self.toolbar.show_window(self._preset)
        self.toolbar.show_breakdown(self._breakdown)
        self.toolbar.show_basis(self._basis)
        self.toolbar.show_following(True)
        self.toolbar.window_selected.connect(self._on_window_selected)
        self.toolbar.breakdown_selected.connect(self._on_breakdown_selected)
        self.toolbar.basis_selected.connect(self._on_basis_selected)
        self.toolbar.follow_toggled.connect(self.set_following)
        self.toolbar.save_requested.connect(self._on_save_requested)
        self.chart_stack.manually_moved.connect(self._on_chart_moved)
        self.stuck.payment_activated.connect(self._on_payment_activated)
        if monitor is not None:
            monitor.samples_arrived.connect(self.add_samples)
            monitor.state_changed.connect(self.show_monitor_state)
        self._load_queue_history()
        self._stats_throttle.request()  # the ticker starts when the panel is shown

    # -- public ----------------------------------------------------------------------------

    @property
    def window_choice(self) -> WindowChoice:
        return self._choice

    @property
    def breakdown(self) -> Breakdown:
        return self._breakdown

    @property
    def basis(self) -> CountBasis:
        return self._basis

    @property
    def following(self) -> bool:
        return self._following

    def set_window(self, choice: WindowChoice) -> None:
        """Show another window: everything is recomputed for it (a custom one stops following)."""
        self._guard.reset()
        self._choice = choice
        if choice.span is not None:
            self._preset = next(k for k, v in PRESETS.items() if v == choice.span)
            self._settings.dashboard_window_preset = self._preset
            self.toolbar.show_window(self._preset)
        else:
            self.toolbar.show_window(CUSTOM)
            self.set_following(False)
        self._load_queue_history()
        self.refresh_now()

    def set_breakdown(self, breakdown: Breakdown) -> None:
        breakdown = Breakdown(breakdown)  # a combo's item data comes back as a plain str
        self._breakdown = breakdown
        self._settings.dashboard_breakdown = breakdown
        self.toolbar.show_breakdown(breakdown)
        self.refresh_now()  # after a bug paused the panel: the user's choice tries again

    def set_basis(self, basis: CountBasis) -> None:
        """Count the success rate, failures and their tiles by payment or by attempt."""
        self._basis = CountBasis(basis)
        self._settings.dashboard_basis = self._basis
        self.toolbar.show_basis(self._basis)
        self.refresh_now()

    def set_following(self, following: bool) -> None:
        """Follow the clock (charts move, statistics refresh every few seconds) or hold still."""
        if following and self._choice.is_custom:
            self._choice = WindowChoice(span=PRESETS[self._preset])
            self.toolbar.show_window(self._preset)
            self._load_queue_history()
        self._following = following
        self.toolbar.show_following(following)
        if following:
            self.refresh_now()  # also the user trying again after a bug paused the panel
        self._sync_ticker()

    def refresh_now(self) -> None:
        """Recompute at once; after a bug paused the panel, this is the user trying again."""
        self._guard.reset()
        self._sync_ticker()
        self._stats_throttle.cancel()
        self._submit_snapshot()

    def notify_events_stored(self, events: Sequence[PaymentEvent] = ()) -> None:
        """New events are in the history file: refresh soon (throttled), if anyone looks."""
        if self._following and self.isVisible():
            self._stats_throttle.request()

    def add_samples(self, samples: Sequence[QueueSample]) -> None:
        """A sampling round from the monitor: drawn at once (throttled), no file read."""
        self._guard.run(self.queues.add_samples, samples)
        if self._following:
            self._redraw_throttle.request()

    def show_monitor_state(self, state: MonitorState) -> None:
        self._guard.run(self.queues.show_state, state)

    def save_chart_png(self, key: str, path: Path) -> bool:
        """Save one chart (`queue_depth`, `throughput`, `success_rate`) or `dashboard`.

        Either way it says so: where the file went, or why it could not be written.
        """
        saved, text = save_png(self if key == "dashboard" else self.charts[key], key, path)
        self.notice_posted.emit(text, BannerLevel.INFO if saved else BannerLevel.WARNING)
        return saved

    def shutdown(self) -> None:
        """Stop timers and the reader thread; call before the window goes away."""
        self._ticker.stop()
        self._stats_throttle.cancel()
        self._redraw_throttle.cancel()
        self._reader.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._sync_ticker()
        self.queues.set_active(True)
        if self._following:
            self._stats_throttle.request()  # catch up on what happened while hidden

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._sync_ticker()  # another tab is in front: no reads nobody sees
        self.queues.set_active(False)

    def _sync_ticker(self) -> None:
        if self._following and self.isVisible() and not self._guard.broken:
            self._ticker.start()
        else:
            self._ticker.stop()

    # -- background requests and their results ---------------------------------------------

    def _submit_snapshot(self) -> None:
        if self._guard.broken:
            return
        query = DashboardQuery(
            choice=self._choice,
            breakdown=self._breakdown,
            now=self._clock(),
            latest_samples=dict(self.queues.tracks.latest),
            stuck_after=self._settings.dashboard_stuck_after,
            basis=self._basis,
        )
        self._reader.submit(
            "snapshot",
            partial(compute_snapshot, query=query),
            self._guard.guarded(self._show_snapshot),
            self._failed,
        )

    def _load_queue_history(self) -> None:
        window = self._choice.resolve(self._clock())
        self._reader.submit(
            "queue_history",
            partial(load_queue_history, window=window),
            self._guard.guarded(self._show_queue_history),
            self._failed,
        )

    def _show_snapshot(self, snapshot: DashboardSnapshot) -> None:
        query = snapshot.query
        if (query.choice, query.breakdown, query.basis) != (
            self._choice,
            self._breakdown,
            self._basis,
        ):
            return  # asked before the user changed the window, breakdown or basis: stale
        self.snapshot = snapshot
        self._read_problem = None
        self.draw_snapshot(snapshot, follow=self._following or snapshot.query.choice.is_custom)
        self.queues.show_headline_depths(snapshot.latest_samples)
        self.snapshot_shown.emit(snapshot)

    def _show_queue_history(self, history: QueueHistory) -> None:
        self.queues.replace(history.samples)
        self._redraw_queues()
        self.queue_history_shown.emit(history)

    def _redraw_queues(self) -> None:
        drop_before = None
        if self._following and not self._choice.is_custom:
            drop_before = self._choice.resolve(self._clock()).start.timestamp()
        self.queues.redraw(drop_before)

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, StoreError):
            self._guard.report(error)  # a bug, not the file: the crash dialog, once
            return
        text = f"⚠ cannot read the history file: {error}"
        if text != self._read_problem:  # the ticker retries; the log says it once
            log.warning("dashboard read failed: %s", error)
            self._read_problem = text
        self.toolbar.show_status(text, problem=True)
        self.tiles.show_statistics_problem(f"The history file cannot be read: {error}")

    def _on_broken(self) -> None:
        self._ticker.stop()
        self._stats_throttle.cancel()
        self._redraw_throttle.cancel()
        self.toolbar.show_status(PAUSED, problem=True)
        self.tiles.show_statistics_problem(PAUSED.removeprefix("⚠ "))

    # -- slots -----------------------------------------------------------------------------

    def _on_window_selected(self, key: str) -> None:
        if key != CUSTOM:
            self.set_window(WindowChoice(span=PRESETS[key]))
            return
        now = self._clock()
        current = self._choice.resolve(now)
        dialog = CustomWindowDialog(current.start, min(current.end, now), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.set_window(WindowChoice(None, *dialog.range())))
        dialog.rejected.connect(self._on_custom_rejected)
        dialog.open()  # window-modal without a nested event loop

    def _on_custom_rejected(self) -> None:
        self.toolbar.show_window(CUSTOM if self._choice.is_custom else self._preset)

    def _on_breakdown_selected(self, breakdown: Breakdown) -> None:
        self.set_breakdown(breakdown)

    def _on_basis_selected(self, basis: CountBasis) -> None:
        self.set_basis(basis)

    def _on_chart_moved(self) -> None:
        if self._following:
            self.set_following(False)

    def _on_payment_activated(self, payment_id: str) -> None:
        self.payment_activated.emit(payment_id)
        self._reader.submit(
            "payment_events",
            partial(load_payment_events, payment_id=payment_id),
            partial(self.stuck.show_events, payment_id),
            lambda error: self.stuck.show_events_error(payment_id, str(error)),
        )

    def _on_save_requested(self, key: str) -> None:
        ask_png_path(self, key, self._clock(), partial(self.save_chart_png, key))
