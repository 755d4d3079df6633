"""Panels over the real broker and a real history file, stopped after each test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsdesk.config import Profile
from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store.event_store import EventStore
from opsdesk.ui.operations.queue_browser_panel import QueueBrowserPanel
from opsdesk.ui.settings import UiSettings
from tests.conftest import BrokerObjects
from tests.operations.conftest import make_profile

WAIT_MS = 15_000


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite"


@pytest.fixture
def queues(broker: BrokerObjects, unique_name: str) -> tuple[str, str]:
    """A source and a destination queue, deleted afterwards."""
    return broker.queue(unique_name + ".src"), broker.queue(unique_name + ".dst")


@pytest.fixture
def open_browser(
    qtbot, db_path: Path, ui_settings: UiSettings
) -> Iterator[Callable[..., QueueBrowserPanel]]:
    panels: list[QueueBrowserPanel] = []

    def make(profile: Profile | None = None) -> QueueBrowserPanel:
        panel = QueueBrowserPanel(profile or make_profile(), db_path, ui_settings)
        qtbot.addWidget(panel)
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.shutdown()


def browse(qtbot, panel: QueueBrowserPanel, queue: str) -> None:
    with qtbot.waitSignal(panel.browsed, timeout=WAIT_MS):
        assert panel.browse(queue)


def utc_text(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payment_event(
    event_id: str,
    exchange: str,
    *,
    status: Status = Status.FAILED,
    age: timedelta = timedelta(),
    payment_id: str = "pay_1",
) -> PaymentEvent:
    body = json.dumps(
        {"payment_id": payment_id, "idempotency_key": f"idem-{payment_id}", "amount": 1999}
    )
    return PaymentEvent(
        event_id=event_id,
        received_at=utc_text(-age),
        occurred_at=utc_text(-age),
        exchange=exchange,
        routing_key=f"payment.{status.value}",
        type=f"payment.{status.value}",
        status=status,
        payment_id=payment_id,
        merchant="m-1",
        amount_minor=1999,
        currency="EUR",
        error_code="card_declined" if status is Status.FAILED else None,
        idempotency_key=f"idem-{payment_id}",
        decode_error=None,
        headers=json.dumps({"x-source": "psp"}),
        properties=json.dumps(
            {"content_type": "application/json", "message_id": event_id, "delivery_mode": 2}
        ),
        body=body,
        body_size=len(body.encode()),
        format="native",
    )


def store_events(db_path: Path, *events: PaymentEvent) -> None:
    with EventStore(db_path) as store:
        store.insert_batch(list(events))
