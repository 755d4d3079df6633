"""No card number reaches the disk: the real tap, a real history, its search index and WAL,
the CSV and JSON Lines exports with their manifests, and the log file.

Messages carry card numbers in every place the desk reads: body text and JSON numbers, after
JSON escapes, in a URL query, a non-UTF-8 and a UTF-16 body, headers (text and bytes), the
message_id, a CloudEvent's id and data, an Adyen item. Then the raw bytes of every file are
scanned for each number's digits and as it was written. The search index stores its terms
prefix-compressed, so a byte scan cannot see a whole term there: its vocabulary is read
through fts5vocab instead."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.events.model import PaymentEvent
from opsdesk.ingest.tap_state import TapCounters, TapPhase, TapState
from opsdesk.log_files import setup_logging
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.export import (
    ALL_COLUMNS,
    ExportFormat,
    ExportRequest,
    ExportScope,
    export_events,
)
from opsdesk.store.search import SearchIndexer
from tests.conftest import BROKER_URL, BrokerObjects
from tests.ingest.test_tap import classic_tap

pytestmark = pytest.mark.broker

# (digits, as written in the message); each number is used once, so a find names its place.
CARDS = {
    "note": ("4111111111111111", "4111 1111 1111 1111"),
    "json-number": ("5555555555554444", "5555555555554444"),
    "message-id": ("378282246310005", "378282246310005"),
    "header": ("6011000990139424", "6011-0009-9013-9424"),
    "header-bytes": ("3530111333300000", "3530111333300000"),
    "not-utf8": ("4012888888881881", "4012888888881881"),
    "cloudevent-id": ("6759649826438453", "6759649826438453"),
    "cloudevent-data": ("2223003122003222", "2223-0031-2200-3222"),
    "json-escape": ("5105105105105100", "5105105105105100"),
    "url-query": ("4222222222222", "4222+2222+2222+2"),
    "adyen": ("30569309025904", "3056 930902 5904"),
    "event-id": ("6212345678900000003", "6212 3456 7890 0000 003"),
    "utf-16": ("5200828282828210", "5200 8282 8282 8210"),
}
MARKER = "7d1c54e0-3f7b-4a55-9d2e-5b0c1f1e9a10"  # a UUID that must be stored as it is


class Listener:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.connected = False
        self.stored = 0

    def on_state(self, state: TapState) -> None:
        with self.cond:
            self.connected = self.connected or state.phase is TapPhase.CONNECTED
            self.cond.notify_all()

    def on_counters(self, counters: TapCounters) -> None:
        with self.cond:
            self.stored = counters.stored
            self.cond.notify_all()

    def on_stored(self, events: Sequence[PaymentEvent]) -> None:
        pass

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        with self.cond:
            assert self.cond.wait_for(condition, timeout), f"not {what} in {timeout} s"


def messages() -> list[tuple[str, bytes, dict[str, object]]]:
    """(routing key, body, properties) of each message."""
    card = {place: written for place, (_, written) in CARDS.items()}
    native = {
        "event_id": MARKER,
        "type": "payment.succeeded",
        "payment_id": "pay-1",
        "amount_minor": 1250,
        "currency": "EUR",
        "note": f"customer card {card['note']} charged",
    }
    ce = {
        "specversion": "1.0",
        "id": card["cloudevent-id"],
        "source": "/psp",
        "type": "payment.failed",
        "data": {"payment_id": "pay-2", "note": f"retry {card['cloudevent-data']}"},
    }
    adyen = {
        "live": "false",
        "notificationItems": [
            {
                "NotificationRequestItem": {
                    "eventCode": "AUTHORISATION",
                    "success": "true",
                    "pspReference": "QFQTPCQ8HXSKGK82",
                    "merchantReference": "order-9",
                    "amount": {"value": 500, "currency": "EUR"},
                    "additionalData": {"cardHolderNote": f"card {card['adyen']}"},
                }
            },
            {"NotificationRequestItem": {"eventCode": "CAPTURE", "success": "true"}},
        ],
    }
    pan_number = int(CARDS["json-number"][0])
    return [
        ("payment.succeeded", json.dumps(native).encode(), {"message_id": MARKER}),
        ("payment.succeeded", f'{{"payment_id": "p3", "pan": {pan_number}}}'.encode(), {}),
        ("payment.created", b'{"payment_id": "p4"}', {"message_id": card["message-id"]}),
        (
            "payment.created",
            b'{"payment_id": "p5"}',
            {"headers": {"x-card": card["header"], "x-raw": card["header-bytes"].encode()}},
        ),
        ("payment.failed", b"caf\xe9 card " + card["not-utf8"].encode() + b" \xff", {}),
        ("payment.failed", json.dumps(ce).encode(), {}),
        ("payment.failed", json.dumps({"note": f"line\n{card['json-escape']}"}).encode(), {}),
        ("payment.created", f"/pay?card={card['url-query']}&amount=1".encode(), {}),
        ("payment.succeeded", json.dumps(adyen).encode(), {}),
        ("payment.created", json.dumps({"event_id": card["event-id"]}).encode(), {}),
        ("payment.created", f'{{"note": "card {card["utf-16"]}"}}'.encode("utf-16"), {}),
    ]


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The desk's own logging set-up, writing to a file of this test's."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    pika_level = logging.getLogger("pika").level
    path = tmp_path / "logs" / "opsdesk.log"
    setup_logging(path)
    try:
        yield path
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
        logging.getLogger("pika").setLevel(pika_level)


def scan(path: Path, data: bytes) -> list[str]:
    """Which card numbers `data` (from `path`) shows, as digits or as written."""
    found = []
    for place, (digits, written) in CARDS.items():
        for needle in {digits, written}:
            if needle.encode() in data:
                found.append(f"{place} card {needle} in {path.name}")
    return found


def index_terms(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, events_fts, row)")
        return {row[0] for row in conn.execute("SELECT term FROM temp.terms")}
    finally:
        conn.close()


def test_no_card_number_reaches_history_wal_index_exports_or_log(
    broker: BrokerObjects, unique_name: str, tmp_path: Path, log_file: Path
) -> None:
    exchange = broker.exchange(unique_name + ".x")
    queue = broker.track_queue(unique_name + ".tap")
    db = tmp_path / "history.sqlite"
    profile = Profile(
        name="test",
        endpoint=BrokerEndpoint(url=BROKER_URL),
        bindings=(Binding(exchange, "payment.#"),),
        tap=TapSettings(queue=queue, batch_interval=0.05),
    )
    listener = Listener()
    tap = classic_tap(profile, db, listener)
    sent = messages()
    expected = len(sent) + 1  # the Adyen message holds two items
    snapshots: dict[str, bytes] = {}
    tap.start()
    try:
        listener.wait_for(lambda: listener.connected, "connected")
        for routing_key, body, properties in sent:
            broker.publish(exchange, routing_key, body, **properties)
        listener.wait_for(lambda: listener.stored >= expected, f"{expected} events stored")
        with SearchIndexer(db) as indexer:
            indexer.index_some(10_000)
            assert indexer.progress().caught_up
        # While the tap still holds the history open, its WAL holds the latest pages.
        for path in sorted(tmp_path.glob("history.sqlite*")):
            snapshots[f"{path.name} (open)"] = path.read_bytes()
    finally:
        tap.stop()
    assert "history.sqlite-wal (open)" in snapshots
    outputs = []
    for fmt in (ExportFormat.CSV, ExportFormat.JSONL):
        request = ExportRequest(
            scope=ExportScope.of_filter(EventFilter()),
            out=tmp_path / f"export.{fmt.value}",
            format=fmt,
            columns=ALL_COLUMNS,
        )
        result = export_events(db, request)
        assert result.rows == expected
        outputs += [result.path, result.manifest_path]
    files = [*sorted(tmp_path.glob("history.sqlite*")), *outputs, *log_file.parent.iterdir()]
    for path in files:
        snapshots[path.name] = path.read_bytes()

    found = [hit for name, data in snapshots.items() for hit in scan(Path(name), data)]
    assert found == []
    terms = index_terms(db)
    assert not {digits for digits, _ in CARDS.values()} & terms
    # The scan reads real content: the stored id, the masked numbers and the log are there.
    assert MARKER.encode() in snapshots["history.sqlite"] + snapshots["history.sqlite-wal (open)"]
    assert b"4111 11** **** 1111" in snapshots["export.csv"]
    assert {"555555", "4444"} <= terms  # of the masked JSON number
    assert snapshots["opsdesk.log"], "the tap logged nothing: the log file was not scanned"
