"""Realistic payment traffic in opsdesk native JSON: overlapping lifecycles, declines, poison."""

from __future__ import annotations

import itertools
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opsdesk.events.model import Status

APP_ID = "opsdesk-simulator"

# Declines decided by the issuer at authorization, and failures after an authorization succeeded.
DECLINE_CODES: dict[str, tuple[str, int]] = {
    # error_code: (ISO 8583 response code, weight)
    "insufficient_funds": ("51", 35),
    "card_declined": ("05", 25),
    "do_not_honor": ("05", 15),
    "expired_card": ("54", 10),
    "fraud_suspected": ("59", 6),
}
CAPTURE_FAILURES: dict[str, tuple[str, int]] = {
    "gateway_timeout": ("91", 6),
    "processing_error": ("96", 3),
}

# merchant: (currencies, typical amount in major units, customer countries)
MERCHANTS: dict[str, tuple[tuple[str, ...], float, tuple[str, ...]]] = {
    "northwind-books": (("EUR",), 35.0, ("DE", "NL", "FR")),
    "acme-travel": (("EUR", "USD", "GBP"), 420.0, ("DE", "US", "GB", "ES")),
    "blue-bottle-coffee": (("USD",), 12.0, ("US",)),
    "fjord-outdoor": (("SEK", "EUR"), 900.0, ("SE", "NO", "FI")),
    "sakura-electronics": (("JPY",), 18000.0, ("JP",)),
    "london-tailors": (("GBP",), 260.0, ("GB",)),
    "pixel-games": (("USD", "EUR", "GBP"), 25.0, ("US", "DE", "GB", "CA")),
}
ZERO_DECIMAL = frozenset({"JPY"})

# Well-known test PANs, written the ways careless integrations write them.
LEAKED_PANS = ("4111 1111 1111 1111", "4111111111111111", "5555-5555-5555-4444", "378282246310005")
BRANDS = {"4": "visa", "5": "mastercard", "3": "amex"}
SKUS = ("BK-1042", "TK-77", "CF-250G", "JK-WOOL-M", "GM-DLC-3", "HD-SSD-1T", "TR-LHR", "SC-SILK")
CHANNELS = ("web", "ios", "android", "pos", "moto")
REFUND_REASONS = ("requested_by_customer", "duplicate", "fraudulent", "order_cancelled")
PROVIDERS = ("adyen-sim", "stripe-sim", "worldpay-sim")


@dataclass(frozen=True, slots=True)
class SimulatedMessage:
    """One message ready to publish; `event_type` is None for a poison message."""

    routing_key: str
    body: bytes
    message_id: str
    event_type: str | None
    status: str | None
    payment_id: str | None
    content_type: str = "application/json"
    headers: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Payment:
    """A payment in flight and the events it still has to emit."""

    payment_id: str
    idempotency_key: str
    merchant: str
    currency: str
    amount_minor: int
    steps: list[str]  # remaining event types
    error_code: str | None
    response_code: str
    not_before: int  # the traffic tick before which the next step may not happen
    leaks_pan: str | None
    context: dict[str, Any]


def poison_message(rng: random.Random) -> SimulatedMessage:
    """A body no JSON consumer can read, sent where payment requests go."""
    payload = rng.choice(
        (
            b'{"event_id": "' + random_uuid(rng).encode() + b'", "type": "payment.requ',
            b"\xff\xfe\x00p\x00a\x00y\x00",
            b"<payment><id>" + random_uuid(rng).encode() + b"</id><amount>12,50</amount></payment>",
            b"amount=1250&currency=EUR&merchant=northwind-books",
            b"",
        )
    )
    return SimulatedMessage(
        routing_key="payment.requested",
        body=payload,
        message_id=random_uuid(rng),
        event_type=None,
        status=None,
        payment_id=None,
        headers={"x-simulated-poison": True},
    )


def draw_failure(rng: random.Random) -> tuple[str, str]:
    """(error_code, ISO 8583 response code) of a failure: mostly declines, some capture failures."""
    table = CAPTURE_FAILURES if rng.random() < 0.2 else DECLINE_CODES
    error_code = rng.choices(tuple(table), weights=[w for _, w in table.values()])[0]
    return error_code, table[error_code][0]


def random_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng`, so seeded runs repeat their ids."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PaymentTraffic:
    """Produces interleaved payment lifecycles; deterministic for a given `rng` (except clocks)."""

    def __init__(
        self,
        rng: random.Random,
        failure_rate: float = 0.15,
        refund_rate: float = 0.08,
        pan_leak_rate: float = 0.03,
        in_flight: int = 12,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._rng = rng
        self._failure_rate = failure_rate
        self._refund_rate = refund_rate
        self._pan_leak_rate = pan_leak_rate
        self._in_flight = max(1, in_flight)
        self._clock = clock
        self._tick = 0
        self._active: list[_Payment] = []

    def next_event(self) -> SimulatedMessage:
        """The next lifecycle event of some payment, starting a new payment when it is due."""
        self._tick += 1
        ready = [p for p in self._active if p.not_before <= self._tick]
        # Keep roughly `in_flight` payments open so lifecycles overlap like real traffic.
        if not ready or (len(self._active) < self._in_flight and self._rng.random() < 0.5):
            payment = self._new_payment()
            self._active.append(payment)
        else:
            payment = self._rng.choice(ready)
        event_type = payment.steps.pop(0)
        if payment.steps:
            # A refund comes much later than the capture; other steps follow within a few ticks.
            later = payment.steps[0] == "payment.refunded"
            payment.not_before = self._tick + self._rng.randint(*((40, 200) if later else (1, 6)))
        else:
            self._active.remove(payment)
        return self._event_message(payment, event_type)

    def _uuid(self) -> str:
        return random_uuid(self._rng)

    def _token(self, prefix: str, length: int = 14) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        return prefix + "".join(self._rng.choice(alphabet) for _ in range(length))

    def _new_payment(self) -> _Payment:
        rng = self._rng
        merchant = rng.choice(tuple(MERCHANTS))
        currencies, typical, countries = MERCHANTS[merchant]
        currency = rng.choice(currencies)
        major = max(0.5, rng.lognormvariate(0.0, 0.6) * typical)
        amount_minor = round(major) if currency in ZERO_DECIMAL else round(major * 100)
        steps = ["payment.requested"]
        error_code: str | None = None
        response_code = "00"
        if rng.random() < self._failure_rate:
            error_code, response_code = draw_failure(rng)
            if error_code in CAPTURE_FAILURES:
                steps.append("payment.authorized")
            steps.append("payment.failed")
        else:
            steps += ["payment.authorized", "payment.succeeded"]
            if rng.random() < self._refund_rate:
                steps.append("payment.refunded")
        pan = rng.choice(LEAKED_PANS) if rng.random() < self._pan_leak_rate else None
        first_digit = (pan or "4")[0]
        # Item prices add up to the amount, as an order service would send them.
        count = min(rng.randint(1, 3), amount_minor)
        cuts = sorted(rng.sample(range(1, amount_minor), count - 1)) if count > 1 else []
        bounds = [0, *cuts, amount_minor]
        items = [
            {"sku": rng.choice(SKUS), "quantity": 1, "unit_amount_minor": high - low}
            for low, high in itertools.pairwise(bounds)
        ]
        context: dict[str, Any] = {
            "customer": {
                "id": self._token("cus_"),
                "email": f"{self._token('', 8)}@example.com",
                "country": rng.choice(countries),
            },
            "payment_method": {
                "type": "card",
                "brand": BRANDS.get(first_digit, "visa"),
                "last4": (pan or "4242").replace(" ", "").replace("-", "")[-4:],
                "exp_month": rng.randint(1, 12),
                "exp_year": rng.randint(2025, 2031),
                "fingerprint": self._token("fp_", 16),
            },
            "order": {"id": self._token("ord_", 10), "items": items},
            "gateway": {"provider": rng.choice(PROVIDERS), "reference": self._token("psp_", 16)},
            "metadata": {
                "channel": rng.choice(CHANNELS),
                "ip": f"203.0.113.{rng.randint(1, 254)}",
                "trace_id": self._uuid().replace("-", ""),
            },
        }
        return _Payment(
            payment_id=self._token("pay_", 20),
            idempotency_key=self._uuid(),
            merchant=merchant,
            currency=currency,
            amount_minor=amount_minor,
            steps=steps,
            error_code=error_code,
            response_code=response_code,
            not_before=0,
            leaks_pan=pan,
            context=context,
        )

    def _event_message(self, payment: _Payment, event_type: str) -> SimulatedMessage:
        status = {
            "payment.succeeded": Status.SUCCEEDED,
            "payment.failed": Status.FAILED,
            "payment.refunded": Status.REFUNDED,
        }.get(event_type, Status.PENDING)
        event_id = self._uuid()
        failed = event_type == "payment.failed"
        body: dict[str, Any] = {
            "event_id": event_id,
            "type": event_type,
            "occurred_at": iso_utc(self._clock()),
            "payment_id": payment.payment_id,
            "merchant": payment.merchant,
            "amount_minor": payment.amount_minor,
            "currency": payment.currency,
            "status": str(status),
            "error_code": payment.error_code if failed else None,
            "idempotency_key": payment.idempotency_key,
            "schema_version": 1,
            **payment.context,
        }
        body["gateway"] = {
            **payment.context["gateway"],
            "response_code": payment.response_code if failed else "00",
            "latency_ms": self._rng.randint(40, 30000 if payment.error_code else 900),
        }
        if event_type == "payment.refunded":
            body["refund"] = {
                "id": self._token("re_"),
                "reason": self._rng.choice(REFUND_REASONS),
                "amount_minor": payment.amount_minor,
            }
        if payment.leaks_pan:
            # A misbehaving integration copies the full card number into free text.
            body["metadata"] = {
                **payment.context["metadata"],
                "note": f"customer card {payment.leaks_pan} charged twice, see ticket",
            }
        return SimulatedMessage(
            routing_key=event_type,
            body=json.dumps(body, separators=(",", ":")).encode(),
            message_id=event_id,
            event_type=event_type,
            status=str(status),
            payment_id=payment.payment_id,
            headers={"schema": "payments/v1", "x-merchant": payment.merchant},
        )
