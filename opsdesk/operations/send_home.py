"""Send dead letters home: back to the queue they died in (or its exchange), with a retry count.

The origin comes from opsdesk's park headers (a message parked from a queue), else `x-death`
(newest entry not naming this queue), else `x-first-death-*`. By default a message goes back to
the *queue* it died in, through the default exchange but with its original routing key (a BCC
header names the queue, see routing_keys.py): going through the original exchange again would
also deliver it to every other queue bound there (other services, the desk's own tap), which is
a second delivery of a payment event to them. `HomeTarget.EXCHANGE` uses the original exchange
and first routing key when that is wanted. A message sent home loses its park headers.

RabbitMQ (3.13+) does not interpret an `x-death` header a client republishes, so opsdesk keeps
its own count in `x-opsdesk-retry-count` and refuses to send a message home again once it has
been sent `retry_limit` times, unless the operator overrides that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.operations.death_headers import origin
from opsdesk.operations.message_copy import copy_properties, header_int, utc_now_text
from opsdesk.operations.plan import (
    Action,
    Destination,
    GuardTrip,
    HomeTarget,
    Plan,
    PlannedMessage,
    RunOptions,
    SendHomeSpec,
)
from opsdesk.operations.queue_facts import (
    QueueFacts,
    exchange_exists,
    queue_exists,
    refuse_streams,
)
from opsdesk.operations.queue_sweep import count_is_exact, planned_count, run_sweep, sweep_warnings
from opsdesk.operations.routing_keys import PARK_HEADERS, KeyKeeper
from opsdesk.operations.selection import Selector
from opsdesk.operations.sweep import SweepReport
from opsdesk.operations.verdicts import Handler, Leave, Publish, SweptMessage

RETRY_HEADER = "x-opsdesk-retry-count"
REQUEUED_FROM = "x-opsdesk-requeued-from"
REQUEUED_AT = "x-opsdesk-requeued-at"
REQUEUED_BY = "x-opsdesk-requeued-by"
METHOD = "copy with publisher confirms (mandatory) to where it came from, then ack the dead letter"


def home_of(
    headers: Mapping[str, Any] | None, queue: str, target: HomeTarget
) -> Destination | None:
    """Where a dead letter in `queue` goes home to, or None when its headers do not say."""
    found = origin(headers, queue)
    if found is None:
        return None
    if target is HomeTarget.EXCHANGE and found.exchange and found.routing_keys:
        return Destination(found.exchange, found.routing_keys[0])
    return Destination.queue(found.queue)


def original_routing_key(headers: Mapping[str, Any] | None, queue: str, current: str) -> str:
    """The routing key it had before it died or was parked; else the one it has now."""
    found = origin(headers, queue)
    return found.routing_keys[0] if found is not None and found.routing_keys else current


def _decide(
    spec: SendHomeSpec, headers: Mapping[str, Any] | None
) -> tuple[Destination | None, GuardTrip | None, str | None]:
    """(destination, retry guard, hard refusal) for one message."""
    destination = spec.destination or home_of(headers, spec.queue, spec.target)
    if destination is None:
        return None, None, "no x-death or x-first-death-queue header: choose a destination"
    if destination.is_queue and destination.routing_key == spec.queue:
        return destination, None, "its origin is this same queue"
    retries = header_int(headers, RETRY_HEADER)
    guard = None
    if retries >= spec.retry_limit:
        guard = GuardTrip(
            "retry_limit",
            f"already sent home {retries} time(s), limit {spec.retry_limit}",
            overridden=spec.override_retry_limit,
        )
    return destination, guard, None


class SendHomeHandler(Handler):
    def __init__(
        self,
        spec: SendHomeSpec,
        operator: str,
        exchange_exists: Callable[[str], bool],
        keeper: KeyKeeper,
    ) -> None:
        self._spec = spec
        self._operator = operator
        self._exchange_exists = exchange_exists
        self._keeper = keeper
        self._exchanges: dict[str, bool] = {}

    def verdict(self, message: SweptMessage) -> Publish | Leave:
        headers = message.properties.headers
        destination, guard, refusal = _decide(self._spec, headers)
        if refusal is not None or destination is None:
            return Leave(refusal or "no destination")
        if guard is not None and not guard.overridden:
            return Leave(f"{guard.detail}: override the retry limit to send it again")
        if not destination.is_queue and not self._has_exchange(destination.exchange):
            # Publishing to a missing exchange would close the channel for every message.
            return Leave(f"exchange {destination.exchange!r} does not exist")
        added = {
            RETRY_HEADER: header_int(headers, RETRY_HEADER) + 1,
            REQUEUED_FROM: self._spec.queue,
            REQUEUED_AT: utc_now_text(),
            REQUEUED_BY: self._operator,
        }
        kept = original_routing_key(headers, self._spec.queue, message.routing_key)
        key, bcc = self._keeper.wire(destination, kept)
        props = copy_properties(message.properties, {**added, **bcc}, PARK_HEADERS)
        return Publish(destination, props, message.body, key)

    def _has_exchange(self, name: str) -> bool:
        if name not in self._exchanges:
            self._exchanges[name] = self._exchange_exists(name)
        return self._exchanges[name]


def plan_send_home(
    connection: BlockingConnection,
    facts: QueueFacts,
    spec: SendHomeSpec,
    preview: Sequence[SweptMessage],
) -> Plan:
    """The plan, with a per-message destination for the `preview` messages the selection takes."""
    refuse_streams(facts, "sent home")
    selector = Selector(spec.selection)
    keeper = KeyKeeper(lambda name: queue_exists(connection, name))
    items = []
    for message in preview:
        if not selector.take(message.key, message.routing_key, message.properties, message.body):
            continue
        headers = message.properties.headers
        destination, guard, refusal = _decide(spec, headers)
        added = {RETRY_HEADER: header_int(headers, RETRY_HEADER) + 1} if refusal is None else {}
        kept = original_routing_key(headers, spec.queue, message.routing_key)
        items.append(
            PlannedMessage(
                key=message.key,
                destination=destination,
                message_id=message.properties.message_id,
                guards=(guard,) if guard else (),
                refusal=refusal,
                headers_added=added,
                routing_key=keeper.carried(destination, kept) if destination else None,
            )
        )
    destinations = tuple(dict.fromkeys(i.destination for i in items if i.destination))
    if spec.destination is not None:
        destinations = (spec.destination,)
    warnings = list(sweep_warnings(facts, spec.selection))
    for destination in destinations:
        if not _exists(connection, destination):
            warnings.append(f"{destination.describe()} does not exist: those messages stay here")
    if len(preview) < facts.ready and not spec.destination:
        warnings.append(
            f"destinations shown for the first {len(preview)} messages; each message's own "
            "x-death decides for the rest"
        )
    return Plan(
        action=Action.REQUEUE,
        source=facts.name,
        destinations=destinations,
        count=planned_count(facts, spec.selection),
        count_is_exact=count_is_exact(spec.selection),
        method=METHOD,
        spec=replace(spec, snapshot=facts.ready),
        items=tuple(items),
        warnings=tuple(warnings),
    )


def _exists(connection: BlockingConnection, destination: Destination) -> bool:
    if destination.is_queue:
        return queue_exists(connection, destination.routing_key)
    return exchange_exists(connection, destination.exchange)


def run_send_home(
    connection: BlockingConnection,
    spec: SendHomeSpec,
    facts: QueueFacts,
    operator: str,
    options: RunOptions,
) -> SweepReport:
    handler = SendHomeHandler(
        spec,
        operator,
        lambda name: exchange_exists(connection, name),
        KeyKeeper(lambda name: queue_exists(connection, name)),
    )
    return run_sweep(connection, facts, spec.selection, spec.snapshot, handler, options)
