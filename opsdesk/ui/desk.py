"""Everything behind the window: each panel with its services, the background workers, wiring."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt

from opsdesk.alerting.worker import AlertWorker
from opsdesk.broker.node_health import NodeHealthReader
from opsdesk.broker.queue_monitor import QueueMonitor
from opsdesk.config import Profile
from opsdesk.config.alert_rules import AlertRule, rule_to_dict
from opsdesk.config.profile_file import save_alert_rules, save_mappings
from opsdesk.events.mapping import FieldMapping
from opsdesk.foreground import Foreground
from opsdesk.ingest.source_choice import tap_source
from opsdesk.ingest.tap import Tap
from opsdesk.ingest.writer_choice import tap_writer
from opsdesk.store.errors import StoreError
from opsdesk.store.event_store import EventStore
from opsdesk.store.retention import RetentionThread
from opsdesk.store.sample_recorder import SampleRecorder
from opsdesk.store.search import SearchIndexerThread
from opsdesk.ui.alerts.alert_banner import AlertBanner
from opsdesk.ui.alerts.alert_bridge import AlertBridge
from opsdesk.ui.alerts.alert_history_view import AlertHistoryView
from opsdesk.ui.alerts.alert_rules_dialog import AlertRulesDialog
from opsdesk.ui.alerts.known_queues import KnownQueues
from opsdesk.ui.alerts.tray_notifier import TrayNotifier
from opsdesk.ui.app_icon import app_icon
from opsdesk.ui.broker.broker_panel import BrokerPanel
from opsdesk.ui.broker.route_tools import BrokerTools
from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.dashboard.monitor_bridge import MonitorBridge
from opsdesk.ui.foreground_beat import ForegroundBeat
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.kafka_taps import add_kafka_taps
from opsdesk.ui.main_thread_gc import freeze_long_lived, thaw
from opsdesk.ui.main_window import MainWindow
from opsdesk.ui.mapping_dialog import MappingDialog
from opsdesk.ui.operations.audit_panel import AuditPanel
from opsdesk.ui.operations.kafka_browser_dialog import install_kafka_browser
from opsdesk.ui.operations.payment_replay_dialog import PaymentReplayDialogs
from opsdesk.ui.operations.payment_replay_pick import PaymentPick
from opsdesk.ui.operations.queue_browser_panel import QueueBrowserPanel
from opsdesk.ui.operations.replay_dialog import ReplayDialogs
from opsdesk.ui.profile_saving import save_to_profile
from opsdesk.ui.settings import UiSettings
from opsdesk.ui.stream_backfill import install_backfill
from opsdesk.ui.tap_bridge import TapBridge
from opsdesk.ui.window_setup import build_main_window

log = logging.getLogger(__name__)

WORKER_STOP_TIMEOUT = 8.0
GIGABYTE = 1024**3


class Worker(Protocol):
    def start(self) -> None: ...

    def stop(self, timeout: float = ...) -> None: ...


@dataclass
class Workers:
    """Background workers: started after the window shows, stopped once, newest first."""

    items: list[Worker] = field(default_factory=list)
    _stopped: bool = False

    def add(self, worker: Worker) -> None:
        self.items.append(worker)

    def start(self) -> None:
        for worker in self.items:
            worker.start()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for worker in reversed(self.items):
            worker.stop(WORKER_STOP_TIMEOUT)


@dataclass
class Desk:
    window: MainWindow
    workers: Workers
    shutdowns: list[Callable[[], None]]
    _stopped: bool = False

    def start(self) -> None:
        """On the UI thread, once the window is built."""
        freeze_long_lived()
        self.workers.start()

    def stop(self) -> None:
        """Panels' reader threads first, then the workers (the window is closed by now)."""
        if self._stopped:
            return
        self._stopped = True
        for shutdown in self.shutdowns:
            shutdown()
        self.workers.stop()
        thaw()  # the panels may be collected now


def build_desk(
    profile: Profile, db_path: Path, settings: UiSettings, *, log_file: Path | None = None
) -> Desk:
    _create_history(db_path)
    tap_bridge = TapBridge()
    monitor_bridge = MonitorBridge()
    alert_bridge = AlertBridge()
    history = HistoryPanel(db_path, settings, operator=profile.operator)
    dashboard = DashboardPanel(db_path, monitor_bridge, settings)
    alerts_view = AlertHistoryView(db_path, alert_bridge)
    browser = QueueBrowserPanel(profile, db_path, settings)
    broker_panel = BrokerPanel(profile, db_path, monitor_bridge)
    audit = AuditPanel(db_path, operator=profile.operator)
    window = build_main_window(
        db_path,
        tap_bridge,
        settings,
        broker_label=profile.endpoint.redacted_url(),
        log_file=log_file,
        panels=[
            ("His&tory", history),
            ("&Dashboard", dashboard),
            ("&Queues", browser),
            ("&Broker", broker_panel),
            ("Ale&rts", alerts_view),
            ("A&udit", audit),
        ],
    )
    alert_banner = AlertBanner()
    window.add_banner(alert_banner)
    tray = TrayNotifier(app_icon(), window)

    search = SearchIndexerThread(db_path)
    keep_days = settings.retention_keep_days
    max_gb = settings.retention_max_gb
    retention = RetentionThread(
        db_path,
        max_age_days=keep_days or None,
        max_bytes=int(max_gb * GIGABYTE) or None,
    )
    alert_worker = AlertWorker(
        db_path,
        profile.alerts,
        alert_bridge,
        sample_interval=profile.monitor.interval,
        read_health=NodeHealthReader(profile.endpoint, profile.monitor.management_url).read,
    )
    monitor = QueueMonitor(
        profile, SampleRecorder(db_path, profile.monitor.retention_days, forward=monitor_bridge)
    )
    # The window shows what is stored: the thread writer, unless the profile says otherwise.
    beat = ForegroundBeat(Foreground())
    fg = beat.foreground
    writer = tap_writer(profile, db_path, shows_events=True, foreground=fg)
    source = tap_source(profile, db_path)  # the classic tap queue, or the team's stream
    tap = Tap(source, writer, tap_bridge, foreground=fg)
    workers = Workers()
    # The tap first: it creates the history file the others open.
    for worker in (tap, monitor, search, retention, alert_worker):
        workers.add(worker)
    add_kafka_taps(window, workers.add, tap_bridge, profile, db_path, fg, monitor_bridge.on_samples)
    workers.add(beat)  # the last added is the first stopped: nobody waits for a closed window

    tap_bridge.events_stored.connect(history.notify_events_stored)
    tap_bridge.events_stored.connect(dashboard.notify_events_stored)
    tap_bridge.events_stored.connect(lambda _events: search.wake())
    dashboard.payment_activated.connect(history.open_timeline)
    dashboard.notice_posted.connect(window.show_problem)  # a chart saved: where, or why not
    window.connection_status.undecoded_events_requested.connect(history.show_undecoded)
    window.connection_status.undecoded_events_requested.connect(lambda: window.show_panel(history))
    monitor_bridge.queue_list_changed.connect(browser.set_known_queues)
    browser.operation_finished.connect(audit.refresh)
    broker_panel.operation_finished.connect(audit.refresh)

    def on_browse_requested(queue: str) -> None:
        window.show_panel(browser)
        browser.browse(queue, offset=0)

    broker_panel.browse_requested.connect(on_browse_requested)
    tools = BrokerTools(
        window, profile, db_path, broker_panel=broker_panel, on_write_finished=audit.refresh
    )

    replays = ReplayDialogs()

    def on_replay_requested(events: object) -> None:
        dialog = replays.open(history, profile, db_path, events)  # type: ignore[arg-type]
        dialog.operation_finished.connect(audit.refresh)

    history.replay_requested.connect(on_replay_requested)
    payment_replays = PaymentReplayDialogs()

    def on_payment_replay_requested(pick: PaymentPick) -> None:
        dialog = payment_replays.open(window, profile, db_path, pick)
        dialog.operation_finished.connect(audit.refresh)

    history.payment_replay_requested.connect(on_payment_replay_requested)
    dashboard.stuck.replay_requested.connect(
        lambda ids: on_payment_replay_requested(PaymentPick(payment_ids=tuple(ids)))
    )
    alert_bridge.active_changed.connect(alert_banner.show_active)
    alert_bridge.figures_changed.connect(alert_banner.show_figures)
    alert_bridge.transition.connect(tray.notify)
    known_queues = KnownQueues(profile.monitor.queues, window)  # for the rule editor
    monitor_bridge.queue_list_changed.connect(known_queues.set_queue_list)
    rules = [profile.alerts]  # what the worker runs now; the dialog starts from it
    window.add_settings_action(
        "&Alert Rules…",
        lambda: _edit_alert_rules(window, alert_worker, profile, rules, known_queues),
    )
    edited_mappings = [profile.mappings]  # the last accepted edit; the tap keeps its own
    window.add_settings_action(
        "&Decoding Mappings…", lambda: _edit_mappings(window, profile, edited_mappings)
    )
    return Desk(
        window,
        workers,
        [
            replays.shutdown,
            payment_replays.shutdown,
            history.shutdown,
            dashboard.shutdown,
            alerts_view.shutdown,
            browser.shutdown,
            tools.shutdown,
            broker_panel.shutdown,
            audit.shutdown,
            install_backfill(window, source, db_path),  # a stream tap's backfill action
            install_kafka_browser(window, tools.menu, profile, db_path),  # [[kafka]] tables
        ],
    )


def _create_history(db_path: Path) -> None:
    """A first run creates the history here (a new file: milliseconds), so every panel can
    open it at once instead of reporting it missing until the tap's first batch."""
    if db_path.exists():
        return  # migrating an existing file can take seconds: the tap's writer does that
    try:
        EventStore(db_path).close()
    except StoreError as exc:
        log.warning("cannot create the history file: %s", exc)  # the tap will report it


def _edit_alert_rules(
    window: MainWindow,
    worker: AlertWorker,
    profile: Profile,
    current: list[tuple[AlertRule, ...]],
    known_queues: KnownQueues,
) -> None:
    dialog = AlertRulesDialog(current[0], queues=known_queues.names(), parent=window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    known_queues.changed.connect(dialog.set_queues)

    def on_accepted() -> None:
        current[0] = dialog.rules()
        worker.set_rules(current[0])
        save_to_profile(
            profile,
            "Alert rules",
            lambda path: save_alert_rules(path, profile.name, current[0]),
            "alerts",
            [rule_to_dict(rule) for rule in current[0]],
            window.show_problem,
            in_effect="They apply to this session now.",
        )

    dialog.accepted.connect(on_accepted)
    dialog.open()


def _edit_mappings(
    window: MainWindow, profile: Profile, current: list[tuple[FieldMapping, ...]]
) -> None:
    dialog = MappingDialog(current[0], parent=window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def on_accepted() -> None:
        current[0] = dialog.mappings()
        save_to_profile(
            profile,
            "Decoding mappings",
            lambda path: save_mappings(path, profile.name, current[0]),
            "mappings",
            [mapping.to_dict() for mapping in current[0]],
            window.show_problem,
            # The tap decodes with the mappings it started with.
            in_effect="The running tap keeps its mappings until opsdesk restarts.",
        )

    dialog.accepted.connect(on_accepted)
    dialog.open()
