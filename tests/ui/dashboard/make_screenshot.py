"""Render the dashboard over a realistic hour of traffic to a PNG (offscreen is fine).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.dashboard.make_screenshot OUT.png

An hour of payments at ~2/s with a gateway incident 25-18 minutes ago (failures spike, the
request queue backs up, the dead-letter queue fills), a few stuck payments, and queue samples
every 5 s.
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from opsdesk.alerting.evaluator import ActiveAlert, AlertEvaluator
from opsdesk.alerting.inputs import StatsInputs
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.events.model import Status
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_store import EventStore
from opsdesk.store.queue_sample_store import QueueSampleStore
from opsdesk.ui.alerts.alert_banner import AlertBanner
from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.dashboard.queue_tracks import epoch_seconds
from opsdesk.ui.settings import UiSettings
from tests.ui.dashboard.known_history import event

MERCHANTS = ("northwind-travel", "acme-shop", "blue-bottle", "café-zürich", "globex", "initech")
WEIGHTS = (30, 20, 15, 10, 8, 5)
CURRENCIES = ("EUR", "USD", "GBP", "SEK")
CODES = ("card_declined", "insufficient_funds", "do_not_honor", "expired_card")
INCIDENT = (timedelta(minutes=25), timedelta(minutes=18))  # ago: from, to


def build(path: Path, now: datetime) -> None:
    rng = random.Random(3)
    events = []
    start = now - timedelta(minutes=62)
    t = start
    n = 0
    while t < now:
        n += 1
        pid = f"pay_{n:06d}"
        merchant = rng.choices(MERCHANTS, WEIGHTS)[0]
        common = {
            "merchant": merchant,
            "currency": CURRENCIES[n % len(CURRENCIES)],
            "amount_minor": rng.randrange(500, 250_000),
        }
        events.append(event(t, Status.PENDING, pid, **common))
        ago = now - t
        in_incident = INCIDENT[1] < ago < INCIDENT[0]
        stuck = n % 1500 == 7 and ago > timedelta(minutes=11)
        done = t + timedelta(seconds=rng.uniform(0.5, 6 if not in_incident else 30))
        if not stuck and done < now:
            if rng.random() < (0.32 if in_incident else 0.04):
                code = (
                    "gateway_timeout" if in_incident and rng.random() < 0.8 else rng.choice(CODES)
                )
                events.append(event(done, Status.FAILED, pid, error_code=code, **common))
            else:
                events.append(event(done, Status.SUCCEEDED, pid, **common))
                if rng.random() < 0.01:
                    refund = done + timedelta(seconds=rng.uniform(30, 300))
                    if refund < now:
                        events.append(event(refund, Status.REFUNDED, pid, **common))
        rate = 2.0 + 0.6 * math.sin((t - start).total_seconds() / 600)
        t += timedelta(seconds=rng.expovariate(rate))
    events.sort(key=lambda e: e.received_at)
    with EventStore(path) as store:
        for i in range(0, len(events), 2000):
            store.insert_batch(events[i : i + 2000])
    with QueueSampleStore(path) as samples:
        samples.add(_samples(rng, now))


def _samples(rng: random.Random, now: datetime) -> list[QueueSample]:
    out = []
    dead = 0
    backlog = 0.0
    for step in range(12 * 60, -1, -1):
        at = now - timedelta(seconds=5 * step)
        ago = now - at
        taken = utc_iso(at)
        in_incident = INCIDENT[1] < ago < INCIDENT[0]
        backlog = backlog + rng.uniform(8, 14) if in_incident else max(0.0, backlog * 0.93 - 5)
        if in_incident and rng.random() < 0.12:
            dead += 1
        ready = int(18 + rng.uniform(-6, 6) + backlog)
        settle = int(120 + 90 * ((step % 180) / 180) + rng.uniform(-10, 10))
        out += [
            QueueSample(taken, "/", "payments.requests", ready, rng.randrange(38, 50), 4,
                        2.1, 2.0, 2.0, False, "management"),
            QueueSample(taken, "/", "payments.settlements", settle, rng.randrange(0, 10), 2,
                        0.5, 0.4, 0.4, False, "management"),
            QueueSample(taken, "/", "payments.requests.dlq", dead, 0, 0,
                        0.0, 0.0, 0.0, True, "management"),
        ]  # fmt: skip
    return out


def _firing(db: Path, now: datetime) -> list[ActiveAlert]:
    rule = AlertRule("dead letters", RuleKind.DEAD_LETTERS)
    evaluator = AlertEvaluator([rule])
    with QueueSampleStore(db, readonly=True) as samples:
        evaluator.evaluate(now, samples.latest(), StatsInputs())
    return list(evaluator.active)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "dashboard.png")
    app = QApplication.instance() or QApplication(sys.argv)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "history.db"
        build(db, now)
        settings = UiSettings(QSettings(str(Path(folder) / "ui.ini"), QSettings.Format.IniFormat))
        panel = DashboardPanel(db, None, settings, clock=lambda: now)
        # The window shows firing alerts above its tabs: evaluate a rule on the same samples.
        window = QWidget()
        layout = QVBoxLayout(window)
        banner = AlertBanner(window)
        layout.addWidget(banner)
        layout.addWidget(panel, 1)
        banner.show_active(_firing(db, now), now)
        window.resize(1400, 940)
        window.show()
        deadline = datetime.now(UTC) + timedelta(seconds=30)
        while (panel.snapshot is None or not panel.queue_chart.series_names()) and datetime.now(
            UTC
        ) < deadline:
            app.processEvents()
        row = 0
        stuck = panel.stuck.model.payment_at(row)
        if stuck is not None:
            panel.stuck.table.selectRow(row)
            panel.stuck._on_clicked(panel.stuck.model.index(row, 0))
            while panel.stuck.events_model.rowCount() == 0 and datetime.now(UTC) < deadline:
                app.processEvents()
        hover = epoch_seconds(utc_iso(now - timedelta(minutes=20)))
        for chart in panel.charts.values():
            chart.show_readout(hover)
        for _ in range(20):
            app.processEvents()
        ok = window.grab().save(str(out), "PNG")
        panel.shutdown()
        took = f"{panel.snapshot.seconds * 1000:.0f} ms" if panel.snapshot else "no snapshot"
        print(f"{out}: {'written' if ok else 'FAILED'}; statistics: {took}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
