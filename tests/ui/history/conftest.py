"""Generated histories with known answers, and panels over them that stop their threads."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_store import EventStore
from opsdesk.store.search import SearchIndexer
from opsdesk.ui.history.history_panel import HistoryPanel

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEP = timedelta(seconds=7)
MERCHANTS = ("northwind-books", "acme-travel", "blue-bottle-coffee", "fjord-outdoor", "pixel-games")
ERRORS = ("insufficient_funds", "gateway_timeout", "card_declined")
BIG_HISTORY = 200_000
_BATCH = 25_000


class Lifecycle:
    """Payment k has three events: requested, authorized, then failed (every 10th) or succeeded."""

    @staticmethod
    def payment_id(k: int) -> str:
        return f"pay_{k:07d}"

    @staticmethod
    def merchant(k: int) -> str:
        return MERCHANTS[k % len(MERCHANTS)]

    @staticmethod
    def currency(k: int) -> str:
        return "JPY" if k % len(MERCHANTS) == 2 else "EUR"

    @staticmethod
    def amount(k: int) -> int:
        return 100 + (k * 7919) % 250_000

    @staticmethod
    def failed(k: int) -> bool:
        return k % 10 == 0

    @staticmethod
    def error(k: int) -> str:
        return ERRORS[(k // 10) % len(ERRORS)]


def event(i: int, *, first: int = 0, start: datetime = START) -> PaymentEvent:
    """Event number `i` (row id i+1 in a file written in order from 0)."""
    k, step = divmod(i, 3)
    failed = Lifecycle.failed(k)
    kind, status = (
        ("payment.requested", Status.PENDING),
        ("payment.authorized", Status.PENDING),
        ("payment.failed", Status.FAILED) if failed else ("payment.succeeded", Status.SUCCEEDED),
    )[step]
    at = start + STEP * (i - first)
    error = Lifecycle.error(k) if failed and step == 2 else None
    body = json.dumps(
        {
            "event_id": f"evt-{i:08d}",
            "type": kind,
            "payment_id": Lifecycle.payment_id(k),
            "merchant": Lifecycle.merchant(k),
            "amount_minor": Lifecycle.amount(k),
            "currency": Lifecycle.currency(k),
            "status": status.value,
            "error_code": error,
            "customer": {"country": "DE", "email": f"c{k}@example.com"},
            "note": f"order ord_{k:07d} basket {'golf' if k % 4 == 0 else 'hotel'}",
        },
        separators=(",", ":"),
    )
    return PaymentEvent(
        event_id=f"evt-{i:08d}",
        received_at=utc_iso(at),
        occurred_at=utc_iso(at - timedelta(milliseconds=120)),
        exchange="payments.events",
        routing_key=kind,
        type=kind,
        status=status,
        payment_id=Lifecycle.payment_id(k),
        merchant=Lifecycle.merchant(k),
        amount_minor=Lifecycle.amount(k),
        currency=Lifecycle.currency(k),
        error_code=error,
        idempotency_key=f"idem-{k}",
        decode_error=None,
        headers=json.dumps({"schema": "payments/v1"}),
        properties=json.dumps({"content_type": "application/json", "message_id": f"evt-{i:08d}"}),
        body=body,
        body_size=len(body),
        format="native",
    )


def write_history(path: Path, first: int, count: int, *, index_bodies: bool = False) -> None:
    """Store events first..first+count-1 in big batches; optionally make bodies searchable."""
    with EventStore(path, synchronous="NORMAL") as store:
        for low in range(first, first + count, _BATCH):
            high = min(low + _BATCH, first + count)
            store.insert_batch([event(i) for i in range(low, high)])
    if index_bodies:
        with SearchIndexer(path) as indexer:
            while indexer.index_some(50_000):
                pass


@pytest.fixture(scope="session")
def big_history_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200k events written once per session; tests copy it."""
    path = tmp_path_factory.mktemp("big-history") / "history.sqlite"
    write_history(path, 0, BIG_HISTORY)
    with EventStore(path) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def big_history(big_history_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite"
    shutil.copyfile(big_history_template, path)
    path.chmod(0o600)
    return path


@pytest.fixture
def small_history(tmp_path: Path) -> Path:
    """3,000 events (1,000 payments), bodies searchable."""
    path = tmp_path / "history.sqlite"
    write_history(path, 0, 3_000, index_bodies=True)
    return path


@pytest.fixture
def open_panel(qtbot, ui_settings) -> Iterator:
    """`open_panel(db_path, settings=ui_settings, **kwargs)` -> a shown HistoryPanel."""
    panels: list[HistoryPanel] = []

    def open_(db_path: Path, settings=ui_settings, **kwargs) -> HistoryPanel:
        panel = HistoryPanel(db_path, settings, operator="tester", **kwargs)
        qtbot.addWidget(panel)
        panel.resize(1400, 900)
        panel.show()
        qtbot.waitExposed(panel)
        panel.activateWindow()
        qtbot.waitUntil(panel.isActiveWindow)  # keyboard focus needs an active window
        panels.append(panel)
        return panel

    yield open_
    for panel in panels:
        panel.shutdown()


def wait_complete(qtbot, panel: HistoryPanel, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: panel.model.complete, timeout=timeout)
