"""Before a replay runs: does each destination exist, and does it route the message anywhere?

A missing exchange refuses the replay there (publishing to it would close the channel and end
the whole run). A destination that routes nowhere trips the routes_nowhere guard: a queue that
does not exist (passive declare), or an exchange whose bindings, read through the management
API where it is reachable, match nothing for the routing key. Without the API the answer is
"cannot tell" and the mandatory flag still catches it at run time (UNROUTABLE per message).
An exchange that routes through an alternate exchange, or through exchange-to-exchange bindings
the API lists, is not second-guessed: any binding that matches counts as a route.
"""

from __future__ import annotations

from collections.abc import Iterable

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.management_api import ManagementClient
from opsdesk.operations.payment_replay import RouteVerdict
from opsdesk.operations.plan import Destination
from opsdesk.operations.queue_facts import RouteCheck, exchange_exists, route_check


def check_routes(
    connection: BlockingConnection,
    client: ManagementClient | None,
    destinations: Iterable[Destination],
) -> dict[Destination, RouteVerdict]:
    """A verdict for each destination (one look per exchange, one per routing key)."""
    exists: dict[str, bool] = {}
    checks: dict[str, RouteCheck] = {}
    verdicts: dict[Destination, RouteVerdict] = {}
    for destination in dict.fromkeys(destinations):
        exchange, key = destination.exchange, destination.routing_key
        if exchange not in exists:
            exists[exchange] = exchange_exists(connection, exchange)
        if not exists[exchange]:
            refusal = f"exchange {exchange!r} does not exist"
            verdicts[destination] = RouteVerdict(refusal=refusal)
            continue
        if exchange not in checks:
            checks[exchange] = route_check(connection, client, exchange)
        if checks[exchange].routes(key) is False:
            verdicts[destination] = RouteVerdict(nowhere=_nowhere(destination))
        else:
            verdicts[destination] = RouteVerdict()
    return verdicts


def _nowhere(destination: Destination) -> str:
    if destination.is_queue:
        return f"queue {destination.routing_key!r} does not exist: the message would be returned"
    return (
        f"exchange {destination.exchange!r} has no binding for routing key "
        f"{destination.routing_key!r}: the message would be returned"
    )
