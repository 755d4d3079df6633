"""Render the queue browser on a dead-letter queue, with a send-home preview over it.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.operations.make_screenshot OUT.png

Needs the broker on 127.0.0.1:5672 (and its management API); the queues and exchanges it
declares are deleted afterwards.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pika
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from opsdesk.events.model import Status
from opsdesk.ui.operations.queue_browser_panel import QueueBrowserPanel
from opsdesk.ui.settings import UiSettings
from tests.conftest import BROKER_URL
from tests.operations.conftest import make_profile
from tests.ui.operations.conftest import payment_event, store_events
from tests.ui.screenshots import compose, wait

MERCHANTS = ("northwind-books", "acme-travel", "blue-bottle-coffee", "fjord-outdoor")


def fill(channel: pika.adapters.blocking_connection.BlockingChannel, prefix: str) -> list[str]:
    """Payments published to a work queue, most of them rejected into its dead-letter queue."""
    exchange, dlx = f"{prefix}.payments", f"{prefix}.dlx"
    work, dlq = f"{prefix}.settlement", f"{prefix}.settlement.dlq"
    channel.exchange_declare(exchange, "topic")
    channel.exchange_declare(dlx, "fanout")
    channel.queue_declare(dlq, durable=True)
    channel.queue_bind(dlq, dlx)
    channel.queue_declare(work, durable=True, arguments={"x-dead-letter-exchange": dlx})
    channel.queue_bind(work, exchange, "payment.#")
    rng = random.Random(4)
    ids = []
    now = int(time.time())
    for n in range(14):
        mid = f"evt_{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}"
        ids.append(mid)
        body = {
            "id": mid,
            "type": "payment.captured",
            "payment_id": f"pay_{1000 + n}",
            "merchant": MERCHANTS[n % len(MERCHANTS)],
            "amount": rng.choice((1999, 4500, 12900, 250)),
            "currency": "EUR",
            "card": "4111111111111111",
            "idempotency_key": f"idem-{1000 + n}",
        }
        channel.basic_publish(
            exchange,
            "payment.captured." + MERCHANTS[n % len(MERCHANTS)],
            json.dumps(body).encode(),
            pika.BasicProperties(
                message_id=mid,
                content_type="application/json",
                timestamp=now - rng.randint(60, 9000),
                headers={"x-tenant": "eu-1"},
                delivery_mode=2,
            ),
        )
    # A settlement service that keeps rejecting: 10 of 14 end up dead-lettered.
    for _ in range(10):
        method, _props, _body = channel.basic_get(work)
        if method is not None:
            channel.basic_nack(method.delivery_tag, requeue=False)
    return ids


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "operations.png")
    app = QApplication.instance() or QApplication(sys.argv)
    prefix = f"shot.{uuid.uuid4().hex[:6]}"
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    channel = connection.channel()
    ok = False
    try:
        ids = fill(channel, prefix)
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "history.sqlite"
            store_events(db, *(payment_event(i, f"{prefix}.payments") for i in ids[1:3]))
            store_events(db, payment_event(ids[4], "x", status=Status.SUCCEEDED, payment_id="p4"))
            ini = str(Path(folder) / "ui.ini")
            settings = UiSettings(QSettings(ini, QSettings.Format.IniFormat))
            panel = QueueBrowserPanel(make_profile(operator="dana"), db, settings)
            panel.resize(1500, 940)
            panel.show()
            panel.browse(f"{prefix}.settlement.dlq")
            wait(app, lambda: panel.model.rowCount() > 0)
            wait(app, lambda: any(panel.model.index(r, 7).data() for r in range(3)), 3.0)
            panel.table.selectRow(1)  # current: its details show below
            selection = panel.table.selectionModel()
            flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
            for row in (2, 4):
                selection.select(panel.model.index(row, 0), flags)
            dialog = panel.queue_actions.open_send_home()
            assert dialog is not None
            dialog.resize(980, 760)
            dialog.preview()
            wait(app, lambda: dialog.plan is not None)
            for _ in range(20):
                app.processEvents()
            image = compose(panel.grab(), dialog.grab())
            ok = image.save(str(out), "PNG")
            print(f"{out}: {'written' if ok else 'FAILED'}; {panel.result_label.text()}")
            panel.shutdown()
    finally:
        for queue in (f"{prefix}.settlement", f"{prefix}.settlement.dlq"):
            channel.queue_delete(queue)
        for exchange in (f"{prefix}.payments", f"{prefix}.dlx"):
            channel.exchange_delete(exchange)
        connection.close()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
