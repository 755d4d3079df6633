"""Render the history panel over 50k simulated events, a filter applied and a timeline open.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.history.make_screenshot OUT.png

The events are the simulator's own messages (overlapping lifecycles, declines, gateway
timeouts, refunds, card numbers leaked into notes) decoded as the tap decodes them, spread
over the last 30 hours.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from opsdesk.events.decode import decode_many
from opsdesk.events.model import RawMessage
from opsdesk.simulator.traffic import PaymentTraffic, iso_utc
from opsdesk.store.event_filter import EventFilter, TimePreset
from opsdesk.store.event_store import EventStore
from opsdesk.store.search import SearchIndexer
from opsdesk.ui import event_cells
from opsdesk.ui.history.history_panel import HistoryPanel
from opsdesk.ui.settings import UiSettings
from tests.ui.screenshots import compose, wait

EVENTS = 50_000
SPAN = timedelta(hours=30)


def build(path: Path, now: datetime) -> None:
    step = SPAN / EVENTS
    clock = [now - SPAN]
    traffic = PaymentTraffic(random.Random(11), failure_rate=0.12, clock=lambda: clock[0])
    events = []
    for _ in range(EVENTS):
        clock[0] += step
        message = traffic.next_event()
        raw = RawMessage(
            body=message.body,
            exchange="payments.events",
            routing_key=message.routing_key,
            properties={"message_id": message.message_id, "content_type": message.content_type},
            headers=message.headers,
        )
        received = iso_utc(clock[0] + timedelta(milliseconds=35))
        events.extend(decode_many(raw, received))
    with EventStore(path, synchronous="NORMAL") as store:
        for low in range(0, len(events), 10_000):
            store.insert_batch(events[low : low + 10_000])
    with SearchIndexer(path) as indexer:
        while indexer.index_some(50_000):
            pass


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "history.png")
    app = QApplication.instance() or QApplication(sys.argv)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "history.sqlite"
        build(db, now)
        settings = UiSettings(QSettings(str(Path(folder) / "ui.ini"), QSettings.Format.IniFormat))
        panel = HistoryPanel(db, settings, operator="screenshot")
        panel.resize(1500, 940)
        panel.show()
        panel.set_filter(
            EventFilter(statuses=("failed",), merchants=("acme-travel", "pixel-games")),
            TimePreset.LAST_24_H,
        )
        wait(app, lambda: panel.model.complete, 30.0)
        model = panel.model
        # Select a gateway timeout: the kind of row an operator opens during an incident.
        row = next(
            (
                r
                for r in range(min(model.rowCount(), 400))
                if "gateway_timeout" in model.data(model.index(r, event_cells.COL_ERROR))
            ),
            0,
        )
        panel.table.selectRow(row)
        panel.table.scrollTo(model.index(max(row - 3, 0), 0), panel.table.ScrollHint.PositionAtTop)
        payment = panel.table.payment_id_at(row) or ""
        dialog = panel.open_timeline(payment)
        dialog.resize(900, 600)
        wait(app, lambda: dialog.steps_table.rowCount() > 0, 30.0)
        for _ in range(20):
            app.processEvents()
        image = compose(panel.grab(), dialog.grab())
        ok = image.save(str(out), "PNG")
        status = "written" if ok else "FAILED"
        print(
            f"{out}: {status}; {model.rowCount():,} rows match; payment {payment};"
            f" page reads {panel.pages.lookups}, slowest {panel.pages.max_ms:.1f} ms"
        )
        panel.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
