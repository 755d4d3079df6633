"""DashboardPanel on a real history file: charts, tiles, stuck payments, window and breakdown."""

import threading
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QDateTime, Qt, QTimeZone
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from opsdesk.broker.queue_sample import MonitorPhase, MonitorState
from opsdesk.events.model import Status
from opsdesk.store.event_store import EventStore
from opsdesk.store.statistics.values import Breakdown
from opsdesk.ui.dashboard.custom_window_dialog import CustomWindowDialog
from opsdesk.ui.dashboard.headline_tiles import HeadlineTiles
from opsdesk.ui.dashboard.monitor_bridge import MonitorBridge
from opsdesk.ui.dashboard.queue_tracks import epoch_seconds
from opsdesk.ui.message_banner import BannerLevel
from tests.ui.dashboard.known_history import (
    DLQ,
    DLQ_READY,
    FAILED_5M,
    NOW,
    OLDEST_STUCK,
    REQUESTS,
    REQUESTS_READY,
    REQUESTS_UNACKED,
    event,
    queue_samples,
    write_history,
)
from tests.ui.dashboard.shown_dashboard import show_dashboard

WAIT_MS = 10_000


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "history.db"
    write_history(path)
    return path


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def bridge():
    return MonitorBridge()


@pytest.fixture
def panel(qtbot, history, clock, bridge, tmp_path):
    panel = show_dashboard(qtbot, tmp_path, history, bridge, clock, stats_throttle_ms=50)
    yield panel
    panel.shutdown()


def wait_for_snapshot(qtbot, panel, predicate=lambda s: True):
    qtbot.waitUntil(
        lambda: panel.snapshot is not None and predicate(panel.snapshot), timeout=WAIT_MS
    )
    return panel.snapshot


def test_queue_depth_chart_draws_stored_samples_with_ready_and_unacked(qtbot, panel):
    ready = f"{REQUESTS} ready"
    qtbot.waitUntil(lambda: ready in panel.queue_chart.series_names(), timeout=WAIT_MS)
    xs, ys = panel.queue_chart.series_data(ready)
    assert np.array_equal(ys, np.arange(REQUESTS_READY + 1, dtype=float))
    assert xs[-1] == NOW.timestamp()
    _, unacked = panel.queue_chart.series_data(f"{REQUESTS} unacked")
    assert set(unacked) == {float(REQUESTS_UNACKED)}
    _, dead = panel.queue_chart.series_data(f"{DLQ} (DLQ) ready")
    assert set(dead) == {float(DLQ_READY)}


def test_new_samples_from_the_monitor_thread_extend_the_chart_and_the_tiles(qtbot, panel, bridge):
    ready = f"{REQUESTS} ready"
    qtbot.waitUntil(lambda: ready in panel.queue_chart.series_names(), timeout=WAIT_MS)
    later = replace(queue_samples()[-2], taken_at="2026-03-02T10:00:05.000Z", messages_ready=500)
    thread = threading.Thread(target=bridge.on_samples, args=([later],))
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: panel.queue_chart.series_data(ready)[1][-1] == 500, timeout=WAIT_MS)
    xs, _ = panel.queue_chart.series_data(ready)
    assert xs[-1] == epoch_seconds(later.taken_at) and len(xs) == REQUESTS_READY + 2
    assert panel.tiles.value_text(HeadlineTiles.WAITING) == f"{500 + REQUESTS_UNACKED:,}"


def test_tiles_show_the_known_history(qtbot, panel):
    wait_for_snapshot(qtbot, panel)
    tiles = panel.tiles
    assert tiles.value_text(HeadlineTiles.SUCCESS_RATE) == "90.0 %"
    assert tiles.value_text(HeadlineTiles.FAILURES) == str(FAILED_5M)
    assert tiles.value_text(HeadlineTiles.WAITING) == str(REQUESTS_READY + REQUESTS_UNACKED)
    assert tiles.value_text(HeadlineTiles.DEAD_LETTERS) == str(DLQ_READY)
    assert tiles.value_text(HeadlineTiles.OLDEST_STUCK) == "30m 00s"


def test_window_selector_changes_the_bucket_size(qtbot, panel):
    snapshot = wait_for_snapshot(qtbot, panel)
    assert snapshot.window.bucket_seconds == 30  # the default hour
    combo = panel.toolbar.window_combo
    for key, bucket in (("15m", 10), ("24h", 300), ("7d", 3600)):
        combo.activated.emit(combo.findData(key))
        snapshot = wait_for_snapshot(
            qtbot, panel, lambda s, bucket=bucket: s.window.bucket_seconds == bucket
        )
        xs, _ = panel.throughput_chart.series_data("succeeded")
        assert set(np.diff(xs)) == {float(bucket)}
        assert xs[0] == snapshot.window.start.timestamp()
    # The events two hours ago are in the last 24 h and 7 d, not in the last hour.
    assert snapshot.status.status_total(Status.SUCCEEDED) == 90 + 1 + 20


def test_breakdown_selector_draws_one_line_per_merchant_or_error_code(qtbot, panel):
    wait_for_snapshot(qtbot, panel)
    assert panel.success_chart.series_names() == ["overall"]
    panel.set_breakdown(Breakdown.MERCHANT)
    wait_for_snapshot(qtbot, panel, lambda s: s.query.breakdown is Breakdown.MERCHANT)
    assert set(panel.success_chart.series_names()) == {"overall", "merchant-a", "merchant-b"}
    panel.set_breakdown(Breakdown.ERROR_CODE)
    wait_for_snapshot(qtbot, panel, lambda s: s.query.breakdown is Breakdown.ERROR_CODE)
    assert set(panel.success_chart.series_names()) == {"card_declined", "gateway_timeout"}
    _, per_minute = panel.success_chart.series_data("gateway_timeout")
    assert np.nansum(per_minute) > 0


def test_clicking_a_stuck_payment_emits_it_and_shows_its_events(qtbot, panel):
    wait_for_snapshot(qtbot, panel)
    table = panel.stuck.table
    assert panel.stuck.model.rowCount() == 2
    assert panel.stuck.model.payment_at(0).payment_id == OLDEST_STUCK
    rect = table.visualRect(panel.stuck.model.index(0, 1))
    with qtbot.waitSignal(panel.payment_activated, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [OLDEST_STUCK]
    qtbot.waitUntil(lambda: panel.stuck.events_model.rowCount() == 1, timeout=WAIT_MS)
    assert panel.stuck.events_model.event_at(0).payment_id == OLDEST_STUCK
    assert panel.stuck.events_model.event_at(0).amount_minor == 12345


def test_stored_events_refresh_the_statistics(qtbot, panel, history, clock):
    wait_for_snapshot(qtbot, panel)
    clock.now = NOW + timedelta(seconds=20)
    with EventStore(history) as store:
        store.insert_batch(
            [event(NOW + timedelta(seconds=n), Status.FAILED, f"pay_new_{n}") for n in range(1, 6)]
        )
    panel.notify_events_stored()
    qtbot.waitUntil(
        lambda: panel.tiles.value_text(HeadlineTiles.FAILURES) == str(FAILED_5M + 5),
        timeout=WAIT_MS,
    )


def test_save_as_png_writes_a_png_of_the_chart_and_of_the_dashboard(qtbot, panel, tmp_path):
    wait_for_snapshot(qtbot, panel)
    for key in ("throughput", "dashboard"):
        path = tmp_path / f"{key}.png"
        assert panel.save_chart_png(key, path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert not QImage(str(path)).isNull()


def test_save_chart_as_png_from_the_menu_says_where_it_went(qtbot, panel, tmp_path):
    """Issue 9, finding 9: the save gave no confirmation and no path."""
    wait_for_snapshot(qtbot, panel)
    actions = {a.text(): a for a in panel.toolbar.save_menu.actions()}
    actions["Throughput…"].trigger()
    dialog = panel.findChild(QFileDialog, "savePngDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.acceptMode() is QFileDialog.AcceptMode.AcceptSave
    path = tmp_path / "incident-throughput.png"
    dialog.selectFile(str(path))
    with qtbot.waitSignal(panel.notice_posted, timeout=WAIT_MS) as notice:
        dialog.accept()
    assert notice.args == [f"Saved the throughput chart as {path}", BannerLevel.INFO]
    assert not QImage(str(path)).isNull()


def test_a_png_that_cannot_be_written_says_why(qtbot, panel, tmp_path):
    wait_for_snapshot(qtbot, panel)
    path = tmp_path / "no-such-folder" / "dashboard.png"
    with qtbot.waitSignal(panel.notice_posted, timeout=WAIT_MS) as notice:
        assert not panel.save_chart_png("dashboard", path)
    text, level = notice.args
    assert level is BannerLevel.WARNING
    assert text.startswith(f"Could not save the dashboard as {path}: ")
    assert len(text) > len(f"Could not save the dashboard as {path}: .")  # a reason is given
    assert not path.exists()


def test_degraded_monitor_shows_the_passive_declare_note(qtbot, panel, bridge):
    assert panel.monitor_note.isHidden()
    bridge.on_state(MonitorState(MonitorPhase.SAMPLING, "amqp", "management API unavailable"))
    qtbot.waitUntil(lambda: not panel.monitor_note.isHidden(), timeout=WAIT_MS)
    assert "Management API unavailable — showing ready + consumers" in panel.monitor_note.text()
    bridge.on_state(MonitorState(MonitorPhase.SAMPLING, "management", "management API at ..."))
    qtbot.waitUntil(panel.monitor_note.isHidden, timeout=WAIT_MS)


def test_panning_a_chart_stops_following(qtbot, panel):
    wait_for_snapshot(qtbot, panel)
    assert panel.following and panel.toolbar.follow_check.isChecked()
    panel.throughput_chart.manually_moved.emit()
    assert not panel.following and not panel.toolbar.follow_check.isChecked()
    panel.toolbar.follow_check.click()
    assert panel.following


def test_a_custom_window_comes_from_the_dialog_and_stops_following(qtbot, panel):
    wait_for_snapshot(qtbot, panel)
    combo = panel.toolbar.window_combo
    combo.activated.emit(combo.findData("custom"))
    dialog = panel.findChild(CustomWindowDialog)
    assert dialog is not None and dialog.isVisible()
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    dialog.start_edit.setDateTime(_qt_time(NOW - timedelta(hours=3)))
    dialog.end_edit.setDateTime(_qt_time(NOW - timedelta(hours=4)))
    assert not ok.isEnabled()  # the end before the start
    dialog.end_edit.setDateTime(_qt_time(NOW - timedelta(hours=1)))
    assert ok.isEnabled()
    ok.click()
    snapshot = wait_for_snapshot(qtbot, panel, lambda s: s.query.choice.is_custom)
    assert not panel.following
    assert snapshot.window.start == NOW - timedelta(hours=3)
    assert snapshot.window.end == NOW - timedelta(hours=1)
    assert snapshot.window.bucket_seconds == 30  # two hours: ~240 buckets
    # The events two hours ago are inside the custom window.
    assert snapshot.status.status_total(Status.SUCCEEDED) == 20
    assert combo.currentData() == "custom"


def _qt_time(moment):
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc())


def test_a_burst_of_stored_events_coalesces_into_few_refreshes(qtbot, panel):
    wait_for_snapshot(qtbot, panel)
    # Past the throttle interval of the first refresh, so the burst's first request runs at once.
    qtbot.waitUntil(lambda: panel._stats_throttle.ready, timeout=WAIT_MS)
    # The show event's own refresh may still be in the reader: not part of the burst.
    qtbot.waitUntil(lambda: not panel._reader.busy, timeout=WAIT_MS)
    QCoreApplication.processEvents()
    shown = []
    panel.snapshot_shown.connect(shown.append)
    for _ in range(500):
        panel.notify_events_stored()
    qtbot.waitUntil(lambda: len(shown) >= 1, timeout=WAIT_MS)
    # Until nothing is deferred or being read, so no further refresh can come of the burst.
    qtbot.waitUntil(
        lambda: not panel._stats_throttle.pending and not panel._reader.busy, timeout=WAIT_MS
    )
    QCoreApplication.processEvents()  # deliver a result posted just before that
    # One at once, one for the rest of the burst (the reader may merge them when busy).
    assert 1 <= len(shown) <= 2
