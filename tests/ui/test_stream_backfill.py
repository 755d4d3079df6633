"""Backfill from the window: the dialog, the request recorded, progress followed to the end."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from opsdesk.ui.backfill_dialog import BackfillDialog
from opsdesk.ui.main_window import MainWindow
from opsdesk.ui.stream_backfill import SHORTCUT, install_backfill
from opsdesk.ui.tap_bridge import TapBridge
from opsdesk.ui.window_setup import build_main_window
from tests.ingest.stream_desk import event_ids, history_positions, stream_profile, stream_tap
from tests.ingest.test_stream_tap import ids, publish_range
from tests.ingest.test_tap import classic_tap, make_profile
from tests.ui.running_desk import running_desk


def backfill_action(window: MainWindow) -> QAction | None:
    """The window's backfill action, found by its shortcut as the operator would use it."""
    actions = window.findChildren(QAction)
    return next((a for a in actions if a.shortcut().toString() == SHORTCUT), None)


def test_the_dialog_reads_each_start_and_says_what_is_wrong(qtbot) -> None:
    dialog = BackfillDialog("payments.desks")
    qtbot.addWidget(dialog)
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    dialog.age_edit.setText("7d")
    assert dialog.chosen_start(now).since == now - timedelta(days=7)
    dialog.first_choice.setChecked(True)
    assert dialog.chosen_start(now).since is None
    dialog.age_choice.setChecked(True)
    dialog.age_edit.setText("yesterday-ish")
    with qtbot.assertNotEmitted(dialog.start_requested):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.problem.isVisibleTo(dialog)
    assert "a backfill starts at first" in dialog.problem.text()


@pytest.mark.broker
def test_a_backfill_asked_in_the_window_fills_the_history_with_progress(
    qtbot, broker, unique_name, ui_settings, tmp_path
) -> None:
    exchange = broker.exchange(unique_name + ".x")
    stream = broker.track_queue(unique_name + ".stream")
    db = tmp_path / "history.sqlite"
    profile = stream_profile(exchange, stream, batch_size=100)
    broker.channel.queue_declare(stream, durable=True, arguments=profile.tap.queue_arguments())
    broker.channel.queue_bind(stream, exchange, "payment.#")
    publish_range(broker, exchange, 0, 1500)  # before this desk existed
    bridge = TapBridge()
    window = build_main_window(db, bridge, ui_settings, broker_label="local broker")
    qtbot.addWidget(window)
    tap, source = stream_tap(profile, db, bridge)
    shutdown = install_backfill(window, source, db)
    tap.start()
    try:
        qtbot.waitUntil(lambda: "connected" in window.connection_status.phase_text(), timeout=30000)
        publish_range(broker, exchange, 1500, 10)  # live
        backfill_action(window).trigger()
        dialog = window.findChild(BackfillDialog)
        assert dialog is not None and dialog.isVisible()
        dialog.first_choice.setChecked(True)
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "done" in dialog.status.text(), timeout=30000)
        assert dialog.progress_bar.value() == dialog.progress_bar.maximum()
    finally:
        shutdown()
        tap.stop()
    assert Counter(event_ids(db)) == ids(0, 1510)
    assert history_positions(profile, db).backfill is None
    assert window.banner.text().startswith(
        "Backfill from the first message the stream retains: done"
    )


def test_a_classic_tap_offers_no_backfill(qtbot, ui_settings, tmp_path) -> None:
    window: MainWindow = build_main_window(
        tmp_path / "h.sqlite", TapBridge(), ui_settings, broker_label="local broker"
    )
    qtbot.addWidget(window)
    tap = classic_tap(make_profile("x", "q"), tmp_path / "h.sqlite", TapBridge())
    install_backfill(window, tap._source, tmp_path / "h.sqlite")()
    assert backfill_action(window) is None


@pytest.mark.broker
def test_the_whole_desk_on_a_stream_backfills_from_its_menu(
    qtbot, broker, unique_name, tmp_path
) -> None:
    """As the app builds it (build_desk): the stream tap, its action, the banner at the end."""
    exchange = broker.exchange(unique_name + ".x")
    stream = broker.track_queue(unique_name + ".stream")
    db = tmp_path / "history.sqlite"
    profile = stream_profile(exchange, stream)
    broker.channel.queue_declare(stream, durable=True, arguments=profile.tap.queue_arguments())
    broker.channel.queue_bind(stream, exchange, "payment.#")
    publish_range(broker, exchange, 0, 300)
    with running_desk(qtbot, profile, db, tmp_path) as desk:
        window = desk.window
        qtbot.waitUntil(lambda: "connected" in window.connection_status.phase_text(), timeout=30000)
        action = backfill_action(window)
        assert action is not None
        action.trigger()
        dialog = window.findChild(BackfillDialog)
        assert dialog is not None
        dialog.first_choice.setChecked(True)
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        # On a quiet stream too: the live reader re-attaches at the last chunk, so the
        # backfill learns where it ends without waiting for live traffic.
        qtbot.waitUntil(lambda: window.banner.text().startswith("Backfill from"), timeout=30000)
        assert "done" in dialog.status.text()
    assert Counter(event_ids(db)) == ids(0, 300)
