"""Publishing with confirms and `mandatory`, many in flight at once, on a channel of its own.

pika's BlockingChannel waits for each confirm (one round trip per message). This drives the
channel underneath it (pika's asynchronous Channel, see broker/pika_compat.py) instead, so a
window of publishes is in flight while the connection's own thread keeps pumping I/O with
`process_data_events`. Callbacks only record what arrived and end that wait at once (the way
pika's own BlockingChannel does it), so a confirm is acted on without waiting for the wait's
time limit; the caller collects the results with `poll()` outside pika's I/O loop, so nothing
blocking runs inside it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pika
import pika.channel
import pika.exceptions
import pika.frame
import pika.spec
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.access_refused import missing_permission
from opsdesk.broker.pika_compat import async_channel, coalesce_output, end_wait
from opsdesk.operations.plan import OutcomeStatus

log = logging.getLogger(__name__)

SELECT_TIMEOUT = 10.0
Token = TypeVar("Token")


@dataclass(frozen=True, slots=True)
class Confirmation(Generic[Token]):
    """The broker's verdict on one publish: DONE, UNROUTABLE, NACKED or UNCONFIRMED."""

    token: Token
    status: OutcomeStatus
    detail: str = ""


@dataclass(slots=True)
class _InFlight(Generic[Token]):
    token: Token
    fingerprint: str
    returned: str | None = None  # the basic.return reason, if the broker returned it


class ConfirmingPublisher(Generic[Token]):
    """Publishes on its own confirm-mode channel of `connection`; use from that thread only."""

    def __init__(self, connection: BlockingConnection) -> None:
        self._connection = connection
        self._blocking = connection.channel()
        self._channel: pika.channel.Channel = async_channel(self._blocking)
        self._in_flight: dict[int, _InFlight[Token]] = {}
        self._events: deque[tuple[str, Any]] = deque()
        self._seq = 0
        self._selected = False
        self.closed_reason: str | None = None
        self._channel.add_on_return_callback(self._on_return)
        self._channel.add_on_close_callback(self._on_close)
        self._channel.confirm_delivery(self._on_confirm, callback=self._on_select_ok)
        deadline = time.monotonic() + SELECT_TIMEOUT
        while not self._selected:
            if self.closed_reason is not None or time.monotonic() > deadline:
                raise pika.exceptions.AMQPChannelError(
                    f"cannot turn on publisher confirms: {self.closed_reason or 'timeout'}"
                )
            connection.process_data_events(time_limit=0.05)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def is_open(self) -> bool:
        return self.closed_reason is None and self._channel.is_open

    def publish(
        self,
        token: Token,
        exchange: str,
        routing_key: str,
        body: bytes,
        properties: pika.BasicProperties,
    ) -> None:
        """Queue one publish (mandatory); its verdict comes out of poll() later."""
        if not self.is_open:
            raise pika.exceptions.ChannelWrongStateError(
                f"publishing channel closed: {self.closed_reason}"
            )
        self._seq += 1
        self._in_flight[self._seq] = _InFlight(token, _fingerprint(exchange, routing_key, body))
        self._channel.basic_publish(exchange, routing_key, body, properties, mandatory=True)

    def poll(self) -> list[Confirmation[Token]]:
        """Verdicts that arrived so far, in arrival order (process I/O before calling)."""
        results: list[Confirmation[Token]] = []
        while self._events:
            kind, payload = self._events.popleft()
            if kind == "return":
                self._mark_returned(*payload)
            else:
                results.extend(self._settle(*payload))
        return results

    def pump(self, time_limit: float) -> None:
        """Send what is queued (in one write) and take in what arrived, for up to `time_limit`."""
        coalesce_output(self._connection)
        self._connection.process_data_events(time_limit=time_limit)

    def wait(self, timeout: float) -> list[Confirmation[Token]]:
        """Pump I/O until nothing is in flight or `timeout` passes; the rest are UNCONFIRMED."""
        results = self.poll()
        deadline = time.monotonic() + timeout
        while self._in_flight and self.is_open and time.monotonic() < deadline:
            self.pump(0.02)
            results.extend(self.poll())
        return results + self.abandon()

    def abandon(self, reason: str = "") -> list[Confirmation[Token]]:
        """Give up on what is in flight: the copies may or may not have arrived."""
        why = reason or self.closed_reason or "no confirm from the broker in time"
        detail = f"{why}: the copy may or may not have arrived"
        results = [
            Confirmation(f.token, OutcomeStatus.UNCONFIRMED, detail)
            for f in self._in_flight.values()
        ]
        self._in_flight.clear()
        return results

    def close(self) -> None:
        if self._blocking.is_open:
            try:
                self._blocking.close()
            except pika.exceptions.AMQPError as exc:
                log.debug("closing the publishing channel failed: %s", exc)

    # -- pika callbacks: record only ----------------------------------------------------------

    def _on_select_ok(self, _frame: pika.frame.Method) -> None:
        self._selected = True
        self._end_wait()

    def _on_confirm(self, frame: pika.frame.Method) -> None:
        method = frame.method
        ok = isinstance(method, pika.spec.Basic.Ack)
        self._events.append(("confirm", (method.delivery_tag, method.multiple, ok)))
        self._end_wait()

    def _on_return(
        self,
        _channel: pika.channel.Channel,
        method: pika.spec.Basic.Return,
        _props: pika.BasicProperties,
        body: bytes,
    ) -> None:
        reason = f"unroutable: {method.reply_text} ({method.reply_code})"
        fingerprint = _fingerprint(method.exchange, method.routing_key, body)
        self._events.append(("return", (fingerprint, reason)))
        self._end_wait()

    def _on_close(self, _channel: pika.channel.Channel, reason: Exception) -> None:
        if isinstance(reason, pika.exceptions.ChannelClosedByBroker):
            refused = missing_permission(reason.reply_text, needed="write") or reason.reply_text
            self.closed_reason = f"broker closed the channel: {refused}"
            log.warning("publishing channel: %s", self.closed_reason)
        else:
            self.closed_reason = f"channel closed: {reason}"
        self._end_wait()

    def _end_wait(self) -> None:
        end_wait(self._connection, self._blocking)

    # -- bookkeeping --------------------------------------------------------------------------

    def _mark_returned(self, fingerprint: str, reason: str) -> None:
        # A return names no publish sequence number; it comes before the confirm of its own
        # publish, so the oldest unconfirmed publish with the same content is the one. Two
        # identical copies in flight to the same place route alike, so a mix-up is harmless.
        for flight in self._in_flight.values():
            if flight.fingerprint == fingerprint and flight.returned is None:
                flight.returned = reason
                return
        log.warning("a returned message matched nothing in flight")

    def _settle(self, tag: int, multiple: bool, ok: bool) -> list[Confirmation[Token]]:
        seqs = [s for s in self._in_flight if s <= tag] if multiple else [tag]
        results = []
        for seq in sorted(seqs):
            flight = self._in_flight.pop(seq, None)
            if flight is None:
                continue
            if not ok:
                results.append(Confirmation(flight.token, OutcomeStatus.NACKED, "nacked by broker"))
            elif flight.returned is not None:
                results.append(
                    Confirmation(flight.token, OutcomeStatus.UNROUTABLE, flight.returned)
                )
            else:
                results.append(Confirmation(flight.token, OutcomeStatus.DONE))
        return results


def _fingerprint(exchange: str, routing_key: str, body: bytes) -> str:
    digest = hashlib.blake2b(body, digest_size=16)
    digest.update(f"\0{exchange}\0{routing_key}".encode())
    return digest.hexdigest()
